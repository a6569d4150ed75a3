"""Loading checklist files: ``load_file`` reads one file of any format (.yaml / .yml / .toml /
.xlsx), ``load_builtin`` every checklist file of a folder (the built-in ones by default) and
checks across them that ids and prefixes are used once, and ``lint`` checks files and folders
for content writers, reporting every error.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

# load_vocabulary is looked up on the module at call time, so that tests can substitute it
from . import vocabulary
from .files import (BUILTIN_DIR, CASEBOOK_FILE, CHECKLIST_SUFFIXES, CLAUSES_FILE, LOADABLE_SUFFIXES,
                    NON_CHECKLIST_FILES, PPC_PERIODIC_FILE, VOCABULARY_FILES, _display,
                    _read_data_file)
from .model import Checklist, ChecklistError, Vocabulary
from .parser import _dict_formatter, _Parser
from .sources import load_clauses
from .vocabulary import _default_vocab
from .xlsx import read_xlsx


def load_file(path: str | Path, vocab: Vocabulary | None = None) -> Checklist:
    """Load a .yaml / .yml / .toml / .xlsx checklist. Raises ChecklistError."""
    path = Path(path)
    shown = _display(path)
    suffix = path.suffix.lower()
    if suffix not in LOADABLE_SUFFIXES:
        raise ChecklistError(f"{shown}: 拡張子「{path.suffix or '（なし）'}」のファイルは読み込めません"
                             f"（{' / '.join(LOADABLE_SUFFIXES)} のいずれか）")
    vocab = _default_vocab(vocab)
    if suffix == ".xlsx":
        if not path.exists():
            raise ChecklistError(f"{shown}: ファイルがありません")
        return read_xlsx(path, vocab, name=shown)
    data = _read_data_file(path, shown)
    errors: list[str] = []
    checklist = _Parser(vocab, _dict_formatter(shown, data, errors)).parse(data, path.name)
    if errors or checklist is None:
        raise ChecklistError(errors)
    return checklist


def builtin_files(folder: str | Path = BUILTIN_DIR) -> list[Path]:
    """Checklist data files of a folder: every *.yaml/*.yml/*.toml except scales/tags/clauses."""
    folder = Path(folder)
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in CHECKLIST_SUFFIXES
                  and p.name not in NON_CHECKLIST_FILES and not p.name.startswith("."))


def _cross_check(checklists: list[Checklist], shown: dict[int, str]) -> list[str]:
    """Checklist ids and prefixes must be unique across files."""
    errors: list[str] = []
    by_id: dict[str, Checklist] = {}
    by_prefix: dict[str, Checklist] = {}
    for cl in checklists:
        name = shown.get(id(cl), cl.source)
        if cl.id in by_id:
            errors.append(f"{name}: id は 他のチェックリストと重複しています（\"{cl.id}\" は "
                          f"{shown.get(id(by_id[cl.id]), by_id[cl.id].source)} でも使われています）")
        else:
            by_id[cl.id] = cl
        if cl.prefix in by_prefix:
            errors.append(f"{name}: prefix は 他のチェックリストと重複しています（\"{cl.prefix}\" は "
                          f"{shown.get(id(by_prefix[cl.prefix]), by_prefix[cl.prefix].source)} でも使われています）")
        else:
            by_prefix[cl.prefix] = cl
    return errors


def load_builtin(folder: str | Path = BUILTIN_DIR, vocab: Vocabulary | None = None) -> list[Checklist]:
    """Every checklist file of ``folder`` (sorted by file name). Raises ChecklistError with the
    errors of all files, including ids or prefixes used by two checklists."""
    vocab = vocab if vocab is not None else vocabulary.load_vocabulary(folder)
    checklists: list[Checklist] = []
    shown: dict[int, str] = {}
    errors: list[str] = []
    for path in builtin_files(folder):
        try:
            cl = load_file(path, vocab)
        except ChecklistError as exc:
            errors.extend(exc.errors)
            continue
        checklists.append(cl)
        shown[id(cl)] = _display(path)
    errors.extend(_cross_check(checklists, shown))
    if errors:
        raise ChecklistError(errors)
    return checklists


def _lint(paths: Iterable[str | Path]) -> tuple[list[str], list[Checklist], list[Path]]:
    errors: list[str] = []
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files.extend(builtin_files(p))
            for name in NON_CHECKLIST_FILES:
                if (p / name).exists():
                    files.append(p / name)
        else:
            files.append(p)
    try:
        vocab = vocabulary.load_vocabulary(BUILTIN_DIR)
    except ChecklistError as exc:
        return list(exc.errors), [], files
    checklists: list[Checklist] = []
    shown: dict[int, str] = {}
    seen: set[Path] = set()
    periodic: list = []
    for path in files:
        key = path.resolve()
        if key in seen:
            continue
        seen.add(key)
        try:
            if path.name in VOCABULARY_FILES:
                vocabulary.load_vocabulary(path.parent)
            elif path.name == CLAUSES_FILE:
                load_clauses(path.parent)
            elif path.name == CASEBOOK_FILE:
                from .casebook import load_casebook     # casebook -> loader -> builtin: import here
                load_casebook(path.parent, vocab=vocab)
            elif path.name == PPC_PERIODIC_FILE:
                from .ppc_periodic import parse
                periodic.append((parse(_read_data_file(path, _display(path)), _display(path)), _display(path)))
            else:
                cl = load_file(path, vocab)
                checklists.append(cl)
                shown[id(cl)] = _display(path)
        except ChecklistError as exc:
            errors.extend(e for e in exc.errors if e not in errors)
    errors.extend(_cross_check(checklists, shown))
    if periodic:      # the 定期的な報告's items must exist in the checklists linted with it
        from .ppc_periodic import unknown_items
        for report, name in periodic:
            errors.extend(unknown_items(report, checklists, name))
    return errors, checklists, files


def lint(paths: Iterable[str | Path]) -> list[str]:
    """Every error message across the files (folders expand to their data files); [] when fine."""
    return _lint(paths)[0]


def lint_checklists(paths: Iterable[str | Path]) -> tuple[list[str], list[Checklist]]:
    """Like lint(), and the checklists that loaded (for checks against an organisation's profiles)."""
    errors, checklists, _files = _lint(paths)
    return errors, checklists
