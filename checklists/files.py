"""Checklist data files: where the built-in ones are (``BUILTIN_DIR``), which file names and
suffixes count, how a path is shown in messages, strict reading of YAML and TOML with Japanese
error messages (duplicate keys, tabs, broken indentation, text not in UTF-8: each with its line
and column), and readable YAML output (``dump_yaml``).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from .model import Checklist, ChecklistError

BUILTIN_DIR = Path(__file__).parent

VOCABULARY_FILES = ("scales.yaml", "tags.yaml")
CLAUSES_FILE = "clauses.yaml"
CASEBOOK_FILE = "casebook.yaml"
PPC_PERIODIC_FILE = "ppc_periodic.yaml"     # the 委員会's 定期的な報告 and the items answering it (ppc_periodic.py)
NON_CHECKLIST_FILES = frozenset(VOCABULARY_FILES + (CLAUSES_FILE, CASEBOOK_FILE, PPC_PERIODIC_FILE))
CHECKLIST_SUFFIXES = (".yaml", ".yml", ".toml")
LOADABLE_SUFFIXES = CHECKLIST_SUFFIXES + (".xlsx",)


def _display(path: Path) -> str:
    """A path as users should read it: relative to the repository or the working directory."""
    try:
        resolved = Path(path).resolve()
    except OSError:
        return str(path)
    for base in (BUILTIN_DIR.parent, Path.cwd()):
        try:
            return resolved.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return str(path)


# --------------------------------------------------------------------------- YAML / TOML reading


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    seen: dict[Any, Any] = {}
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "キーにリストや対応表は使えません", key_node.start_mark)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"キー「{key}」が重複しています（{seen[key].line + 1}行目にもあります）",
                key_node.start_mark)
        seen[key] = key_node.start_mark
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# dates stay text (the casebook validates them itself): PyYAML would turn 2024-04-01 into a date and
# crash on 2024-13-01 instead of reporting it
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)

_YAML_PROBLEMS = {
    "mapping values are not allowed here":
        "ここに「キー: 値」は書けません（字下げ、又は値の中の「: 」を確認してください。値に「: 」を含めるときは引用符で囲んでください）",
    "found character '\\t' that cannot start any token":
        "タブ文字は使えません。字下げには半角スペースを使ってください",
    "could not find expected ':'": "「キー: 値」の「:」が見つかりません",
    "did not find expected key": "キーが見つかりません（字下げを確認してください）",
    "did not find expected '-' indicator": "リストの「- 」が見つかりません（字下げを確認してください）",
    "found undefined alias": "定義されていない別名（*…）があります",
    "found unexpected end of stream": "ファイルが途中で終わっています（引用符や括弧の閉じ忘れを確認してください）",
    "found unknown escape character": "引用符 \" の中に使えないエスケープ文字 \\ があります（' で囲むか \\\\ と書いてください）",
    "expected <block end>, but found '<block sequence start>'": "字下げがそろっていません",
    "expected <block end>, but found '<block mapping start>'": "字下げがそろっていません",
    "expected <block end>, but found '-'": "字下げがそろっていません",
}


def _yaml_error_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    text = _YAML_PROBLEMS.get(problem, problem)
    if mark is not None:
        return f"YAML の書き方に誤りがあります（{mark.line + 1}行目 {mark.column + 1}列）: {text}"
    return f"YAML の書き方に誤りがあります: {text}"


def _read_text(path: Path, shown: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ChecklistError(f"{shown}: ファイルがありません")
    except OSError as exc:
        raise ChecklistError(f"{shown}: ファイルを読み込めません（{exc.strerror or exc}）")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ChecklistError(f"{shown}: 文字コードを UTF-8 にして保存してください（{line}行目に UTF-8 でない文字があります）")


def _parse_yaml_text(text: str, shown: str) -> Any:
    try:
        data = yaml.load(text, Loader=_StrictLoader)   # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ChecklistError(f"{shown}: {_yaml_error_message(exc)}")
    if data is None:
        raise ChecklistError(f"{shown}: ファイルが空です")
    return data


_TOML_POS_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)|\s*\(at end of document\)")


def _parse_toml_text(text: str, shown: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_POS_RE.search(msg)
        detail = _TOML_POS_RE.sub("", msg)
        if m and m.group(1):
            where = f"（{m.group(1)}行目 {m.group(2)}列）"
        elif m:
            where = "（ファイルの末尾）"
        else:
            where = ""
        raise ChecklistError(f"{shown}: TOML の書き方に誤りがあります{where}: {detail}")


def _parse_data_text(text: str, suffix: str, shown: str) -> Any:
    """The text of a data file: TOML when ``suffix`` is .toml, else YAML."""
    if suffix.lower() == ".toml":
        return _parse_toml_text(text, shown)
    return _parse_yaml_text(text, shown)


def _read_data_file(path: Path, shown: str) -> Any:
    return _parse_data_text(_read_text(path, shown), path.suffix, shown)


# --------------------------------------------------------------------------- YAML output


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)      # indent list items under their key


def _represent_str(dumper: yaml.SafeDumper, value: str):
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(checklist: Checklist) -> str:
    """Readable YAML (Japanese as is, block style, keys in FORMAT.md order)."""
    return yaml.dump(checklist.to_data(), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=4096, indent=2)
