"""Load, validate and convert checklist data files (see FORMAT.md).

Pure Python: no database, no Flask.  The web application calls
``load_builtin()`` / ``load_file()`` / ``read_xlsx()`` and gets immutable
``Checklist`` objects, or a ``ChecklistError`` whose ``errors`` list holds
every problem found, each as a Japanese message naming the file, the item and
the field (or, for Excel, the sheet, row and column).

This module is the public entry point: it re-exports the API of the modules
beside it, so callers need only ``from checklists import loader``, and holds
``applicability`` and the command line.  The work is done in

- ``model.py``       Checklist, Section, Item, the vocabulary classes, ChecklistError
- ``text.py``        small text / number normalisation helpers
- ``files.py``       strict YAML / TOML reading with Japanese messages; ``dump_yaml``
- ``vocabulary.py``  ``load_vocabulary`` (scales.yaml, tags.yaml)
- ``sources.py``     reference codes (``source_problem``, ``covers``), clauses.yaml, ``coverage``
- ``parser.py``      validation of plain data: ``parse_data``, ``parse_text``
- ``xlsx.py``        ``write_xlsx`` / ``read_xlsx``
- ``builtin.py``     ``load_file``, ``load_builtin`` (with checks across files), ``lint``

Command line (content writers)::

    python -m checklists.loader lint checklists/general.yaml ...
    python -m checklists.loader lint                # every built-in file
    python -m checklists.loader coverage            # clauses without an item
    python -m checklists.loader to-xlsx checklists/general.yaml general.xlsx
    python -m checklists.loader to-yaml general.xlsx [-o general.yaml]

Normalisation (so that equal content gives an equal ``content_hash`` whatever
the file format): text fields are stripped, line ends become ``\\n``, trailing
spaces of lines are removed, and an ASCII space between two Japanese
characters (what YAML's folded ``>`` style inserts at a line break) is removed
from free-text fields.  Integral floats in ``expect`` become ints.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from .builtin import _lint, builtin_files, lint, lint_checklists, load_builtin, load_file
from .files import (BUILTIN_DIR, CHECKLIST_SUFFIXES, CLAUSES_FILE, LOADABLE_SUFFIXES, NON_CHECKLIST_FILES,
                    VOCABULARY_FILES, dump_yaml)
from .model import (CHECKLIST_KEYS, EXPECT_KEYS, ITEM_KEYS, SCALE_KINDS, SECTION_KEYS, SEVERITIES,
                    SEVERITY_LABELS, Checklist,
                    ChecklistError, FrozenDict, Item, Scale, ScaleOption, Section, Tag, Vocabulary)
from .parser import CHECKLIST_ID_RE, CODE_RE, PREFIX_RE, parse_data, parse_text
from .sources import CLAUSE_PARTS, SOURCE_FORMS_TEXT, coverage, covers, load_clauses, source_problem
from .vocabulary import VOCAB_ID_RE, _default_vocab, load_vocabulary
from .xlsx import (CHECKLIST_ROWS, ITEM_COLUMNS, NO, SHEET_CHECKLIST, SHEET_ITEMS, SHEET_SCALES, SHEET_TAGS,
                   YES, read_xlsx, write_xlsx)

__all__ = [
    # model.py
    "CHECKLIST_KEYS", "EXPECT_KEYS", "ITEM_KEYS", "SCALE_KINDS", "SECTION_KEYS", "SEVERITIES", "SEVERITY_LABELS",
    "Checklist", "ChecklistError", "FrozenDict", "Item", "Scale", "ScaleOption", "Section", "Tag",
    "Vocabulary",
    # files.py
    "BUILTIN_DIR", "CHECKLIST_SUFFIXES", "CLAUSES_FILE", "LOADABLE_SUFFIXES", "NON_CHECKLIST_FILES",
    "VOCABULARY_FILES", "dump_yaml",
    # vocabulary.py
    "VOCAB_ID_RE", "load_vocabulary",
    # sources.py
    "CLAUSE_PARTS", "SOURCE_FORMS_TEXT", "coverage", "covers", "load_clauses", "source_problem",
    # parser.py
    "CHECKLIST_ID_RE", "CODE_RE", "PREFIX_RE", "parse_data", "parse_text",
    # xlsx.py
    "CHECKLIST_ROWS", "ITEM_COLUMNS", "NO", "SHEET_CHECKLIST", "SHEET_ITEMS", "SHEET_SCALES",
    "SHEET_TAGS", "YES", "read_xlsx", "write_xlsx",
    # builtin.py
    "builtin_files", "lint", "lint_checklists", "load_builtin", "load_file",
    # this module
    "applicability", "main", "unreached",
]


# --------------------------------------------------------------------------- applicability


def applicability(checklist: Checklist, dept_tags: Iterable[str], vocab: Vocabulary | None = None
                  ) -> list[tuple[Item, bool, str | None]]:
    """(item, applies, reason) for every item. An item applies when the 課 carries every tag of
    the checklist and of the item; otherwise reason says which (by tag label, in Japanese)."""
    vocab = _default_vocab(vocab)
    have = set(dept_tags)
    out: list[tuple[Item, bool, str | None]] = []
    for item in checklist.items():
        missing: list[str] = []
        for tag in checklist.tags + item.tags:
            if tag not in have and tag not in missing:
                missing.append(tag)
        if not missing:
            out.append((item, True, None))
            continue
        labels = "".join(f"「{vocab.tags[t].label if t in vocab.tags else t}」" for t in missing)
        out.append((item, False, f"この課は{labels}に該当しないため対象外です。"))
    return out


def unreached(checklist: Checklist, profiles: Iterable[Iterable[str]]) -> list[tuple[Item, tuple[str, ...]]]:
    """(item, tags it needs) for every item that no 課 with one of these profiles would receive:
    no profile carries every tag of the checklist and of the item together."""
    held = [frozenset(p) for p in profiles]
    out: list[tuple[Item, tuple[str, ...]]] = []
    for item in checklist.items():
        needed = tuple(dict.fromkeys(checklist.tags + item.tags))
        if not any(p.issuperset(needed) for p in held):
            out.append((item, needed))
    return out


# --------------------------------------------------------------------------- command line


def _pad(text: str, width: int) -> str:
    """Left-justify by display width (full-width characters count as two columns)."""
    import unicodedata
    used = sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)
    return text + " " * max(0, width - used)


def _counts(checklists: list[Checklist]) -> tuple[int, int]:
    return sum(len(c.sections) for c in checklists), sum(len(c.items()) for c in checklists)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checklists.loader",
                                     description="チェックリストのデータファイルを検査・変換します。")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("lint", help="ファイルを検査し、誤りをすべて表示します（誤りがあれば終了コード 1）")
    p.add_argument("files", nargs="*", help="検査するファイル又はフォルダ（省略時は組込みのチェックリスト一式）")
    p = sub.add_parser("coverage", help="clauses.yaml の条項ごとに、対応する項目の数を表示します")
    p.add_argument("files", nargs="*", help="チェックリストのファイル（省略時は組込み一式）")
    p.add_argument("-v", "--verbose", action="store_true", help="条項ごとに項目 ID を表示します")
    p = sub.add_parser("to-xlsx", help="YAML/TOML のチェックリストを Excel に変換します")
    p.add_argument("src")
    p.add_argument("dest")
    p = sub.add_parser("to-yaml", help="Excel/TOML/YAML のチェックリストを YAML に変換します")
    p.add_argument("src")
    p.add_argument("-o", "--output", help="出力先（省略時は標準出力）")
    args = parser.parse_args(argv)

    if args.command == "lint":
        files = args.files or [BUILTIN_DIR]
        errors, checklists, paths = _lint(files)
        for e in errors:
            print(e)
        if errors:
            print(f"NG: 誤り {len(errors)} 件", file=sys.stderr)
            return 1
        n_sections, n_items = _counts(checklists)
        print(f"OK: {len(paths)} ファイル、チェックリスト {len(checklists)} 件、区分 {n_sections} 件、項目 {n_items} 件")
        return 0

    if args.command == "coverage":
        errors: list[str] = []
        if args.files:
            errors, checklists, _ = _lint(args.files)
        else:
            errors, checklists, _ = _lint([BUILTIN_DIR])
        try:
            clauses = load_clauses(BUILTIN_DIR)
        except ChecklistError as exc:
            for e in exc.errors:
                print(e)
            return 1
        for e in errors:
            print(e)
        cov = coverage(checklists, clauses)
        missing = 0
        for clause in clauses:
            items = cov[clause["ref"]]
            mark = "  " if items else "× "
            missing += not items
            line = f"{mark}{_pad(clause['ref'], 24)} {len(items):>3} 項目  {clause['topic']}"
            if args.verbose and items:
                line += "  [" + ", ".join(i.id for i in items) + "]"
            print(line)
        print(f"{'NG' if missing or errors else 'OK'}: 条項 {len(clauses)} 件のうち、項目のない条項 {missing} 件"
              f"（チェックリスト {len(checklists)} 件を対象）")
        return 1 if missing or errors else 0

    try:
        checklist = load_file(args.src)
    except ChecklistError as exc:
        for e in exc.errors:
            print(e)
        return 1
    if args.command == "to-xlsx":
        write_xlsx(checklist, args.dest)
        print(f"OK: {args.dest} に書き出しました（項目 {len(checklist.items())} 件）")
        return 0
    text = dump_yaml(checklist)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"OK: {args.output} に書き出しました（項目 {len(checklist.items())} 件）")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
