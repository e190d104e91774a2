"""Guildhall core: people, pages, files and the plugin host."""
