"""The vocabulary checklists refer to: ``load_vocabulary`` reads and validates scales.yaml
(answer categories and answer scales) and tags.yaml (the tags of 課 and checklists) into a
``Vocabulary``, reporting every problem of both files at once.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .files import BUILTIN_DIR, VOCABULARY_FILES, _display, _read_data_file
from .model import SCALE_KINDS, ChecklistError, Scale, ScaleOption, Tag, Vocabulary
from .text import _bad_chars, _is_number, _norm_number, _norm_text, _show, _suggest, _tname

VOCAB_ID_RE = re.compile(r"[a-z][a-z0-9_]*")


def _vocab_unknown_keys(obj: dict, allowed: tuple[str, ...], where: str, errors: list[str]) -> None:
    for key in obj:
        if key not in allowed:
            errors.append(f"{where}: 不明なキー「{key}」があります{_suggest(key, allowed)}"
                          f"（使えるキー: {', '.join(allowed)}）")


def _vocab_text(obj: dict, key: str, where: str, errors: list[str], required: bool = True) -> str | None:
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.append(f"{where}: {key} は 必須です")
        return None
    if not isinstance(value, str):
        errors.append(f"{where}: {key} は 文字列にしてください（{_tname(value)}になっています）")
        return None
    bad = _bad_chars(value)
    if bad:
        errors.append(f"{where}: {key} は {bad}")
        return None
    return _norm_text(value, free_text=False)


def _vocab_list(data: Any, key: str, shown: str, errors: list[str]) -> list:
    if not isinstance(data, dict):
        errors.append(f"{shown}: 最上位は対応表（{key}: …）で書いてください")
        return []
    value = data.get(key)
    if not isinstance(value, list) or not value:
        errors.append(f"{shown}: {key} は 1件以上のリストにしてください")
        return []
    return value


def load_vocabulary(folder: str | Path = BUILTIN_DIR) -> Vocabulary:
    """Read and validate ``scales.yaml`` and ``tags.yaml`` of ``folder``."""
    folder = Path(folder)
    errors: list[str] = []
    loaded: dict[str, Any] = {}
    for name in VOCABULARY_FILES:
        shown = _display(folder / name)
        try:
            loaded[name] = _read_data_file(folder / name, shown)
        except ChecklistError as exc:
            errors.extend(exc.errors)
            loaded[name] = None

    categories: list[str] = []
    gaps: set[str] = set()
    scales: dict[str, Scale] = {}
    tags: dict[str, Tag] = {}

    data = loaded["scales.yaml"]
    if data is not None:
        shown = _display(folder / "scales.yaml")
        if isinstance(data, dict):
            _vocab_unknown_keys(data, ("categories", "scales"), shown, errors)
        for i, cat in enumerate(_vocab_list(data, "categories", shown, errors), 1):
            where = f"{shown}: categories の {i}番目"
            if not isinstance(cat, dict):
                errors.append(f"{where}: {{id: …, gap: true/false}} の形で書いてください")
                continue
            _vocab_unknown_keys(cat, ("id", "gap"), where, errors)
            cid = _vocab_text(cat, "id", where, errors)
            if not isinstance(cat.get("gap"), bool):
                errors.append(f"{where}: gap は true か false にしてください")
            if cid is None:
                continue
            if cid in categories:
                errors.append(f"{where}: 区分「{cid}」が重複しています")
                continue
            categories.append(cid)
            if cat.get("gap") is True:
                gaps.add(cid)
        for i, sc in enumerate(_vocab_list(data, "scales", shown, errors), 1):
            where = f"{shown}: scales の {i}番目"
            if not isinstance(sc, dict):
                errors.append(f"{where}: 対応表（id: …, label: …, kind: …）で書いてください")
                continue
            _vocab_unknown_keys(sc, ("id", "label", "kind", "options", "unit", "min", "max"), where, errors)
            sid = _vocab_text(sc, "id", where, errors)
            if sid is not None:
                where = f"{shown}: 回答尺度 {sid}"
                if not VOCAB_ID_RE.fullmatch(sid):
                    errors.append(f"{where}: id は半角英小文字・数字・_ で書いてください")
            label = _vocab_text(sc, "label", where, errors)
            kind = sc.get("kind")
            if kind not in SCALE_KINDS:
                errors.append(f"{where}: kind は {' / '.join(SCALE_KINDS)} のいずれかにしてください（{_show(kind)}）")
            options: list[ScaleOption] = []
            raw_options = sc.get("options")
            if kind == "choice" or raw_options is not None:
                # A choice scale's options are its answers; a date or number scale's options are the
                # answers given instead of a value (「実施していない」, 「把握していない」, 「該当しない」).
                if not isinstance(raw_options, list) or (kind == "choice" and not raw_options):
                    errors.append(f"{where}: 選択式（choice）には options を1件以上書いてください" if kind == "choice"
                                  else f"{where}: options は {{id: …, label: …, category: …}} のリストで書いてください")
                    raw_options = []
                seen_opts: set[str] = set()
                for j, opt in enumerate(raw_options, 1):
                    owhere = f"{where}: options の {j}番目"
                    if not isinstance(opt, dict):
                        errors.append(f"{owhere}: {{id: …, label: …, category: …}} の形で書いてください")
                        continue
                    _vocab_unknown_keys(opt, ("id", "label", "category"), owhere, errors)
                    oid = _vocab_text(opt, "id", owhere, errors)
                    olabel = _vocab_text(opt, "label", owhere, errors)
                    ocat = _vocab_text(opt, "category", owhere, errors)
                    if ocat is not None and categories and ocat not in categories:
                        errors.append(f"{owhere}: category は {' / '.join(categories)} のいずれかにしてください（{ocat}）")
                    if oid is not None and kind in ("date", "number") and not re.match(r"[A-Za-z]", oid):
                        errors.append(f"{owhere}: 日付・数値の回答尺度の選択肢 id は、日付や数値と区別できる英字で"
                                      f"始めてください（{oid}）")
                    if oid is not None and oid in seen_opts:
                        errors.append(f"{owhere}: 選択肢 id「{oid}」が重複しています")
                    if oid is not None:
                        seen_opts.add(oid)
                    if oid and olabel and ocat:
                        options.append(ScaleOption(oid, olabel, ocat))
            unit = None
            if "unit" in sc:
                if kind != "number":
                    errors.append(f"{where}: unit は数値（number）の回答尺度にだけ書けます")
                unit = _vocab_text(sc, "unit", where, errors)
            bounds: dict[str, Any] = {}
            for key in ("min", "max"):
                if key in sc:
                    if kind != "number":
                        errors.append(f"{where}: {key} は数値（number）の回答尺度にだけ書けます")
                    if not _is_number(sc[key]):
                        errors.append(f"{where}: {key} は数値にしてください（{_show(sc[key])}）")
                    else:
                        bounds[key] = _norm_number(sc[key])
            if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
                errors.append(f"{where}: min が max より大きくなっています")
            if sid is not None and sid in scales:
                errors.append(f"{where}: 回答尺度 id「{sid}」が重複しています")
            elif sid and label and kind in SCALE_KINDS:
                scales[sid] = Scale(sid, label, kind, tuple(options), unit, bounds.get("min"), bounds.get("max"))

    data = loaded["tags.yaml"]
    if data is not None:
        shown = _display(folder / "tags.yaml")
        if isinstance(data, dict):
            _vocab_unknown_keys(data, ("tags",), shown, errors)
        for i, tg in enumerate(_vocab_list(data, "tags", shown, errors), 1):
            where = f"{shown}: tags の {i}番目"
            if not isinstance(tg, dict):
                errors.append(f"{where}: {{id: …, label: …, description: …}} の形で書いてください")
                continue
            _vocab_unknown_keys(tg, ("id", "label", "description"), where, errors)
            tid = _vocab_text(tg, "id", where, errors)
            if tid is not None:
                where = f"{shown}: タグ {tid}"
                if not VOCAB_ID_RE.fullmatch(tid):
                    errors.append(f"{where}: id は半角英小文字・数字・_ で書いてください")
            label = _vocab_text(tg, "label", where, errors)
            desc = _vocab_text(tg, "description", where, errors)
            if tid is not None and tid in tags:
                errors.append(f"{where}: タグ id「{tid}」が重複しています")
            elif tid and label and desc:
                tags[tid] = Tag(tid, label, desc)

    if errors:
        raise ChecklistError(errors)
    return Vocabulary(scales=scales, tags=tags, categories=tuple(categories),
                      gap_categories=frozenset(gaps))


def _default_vocab(vocab: Vocabulary | None) -> Vocabulary:
    """``vocab``, or the built-in vocabulary when it is None."""
    return vocab if vocab is not None else load_vocabulary(BUILTIN_DIR)
