"""Built-in checklists (data files) and their loader.

The data format is described in ``FORMAT.md`` beside this file; ``loader.py``
validates and loads it (``from checklists import loader``;
``python -m checklists.loader lint FILE...``).  loader.py is the entry point and
re-exports the public API of the modules that do the work: ``model`` (Checklist
and the other data classes), ``text``, ``files`` (strict YAML / TOML reading),
``vocabulary`` (scales.yaml, tags.yaml), ``sources`` (reference codes,
clauses.yaml), ``parser`` (validation), ``xlsx`` (Excel) and ``builtin`` (files,
the built-in folder, lint).
"""
