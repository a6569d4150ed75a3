"""Built-in checklists (data files) and their loader.

The data format is described in ``FORMAT.md`` beside this file; ``loader.py``
validates and loads it (``python -m checklists.loader lint FILE...``).
"""
