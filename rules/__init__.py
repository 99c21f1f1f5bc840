"""The built-in rule files (*.yaml beside this file), installed as the data package
exporter.builtin_rules (see pyproject.toml). Nothing here is code: the rules are data."""
