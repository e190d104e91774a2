"""The plugin's forms, one module per part of the workflow (as in views/)."""
