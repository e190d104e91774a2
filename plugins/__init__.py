"""Built-in plugins. Each sub-package is a plugin, loaded like a third-party one."""
