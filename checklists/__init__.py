"""The bundled YAML checklists."""
