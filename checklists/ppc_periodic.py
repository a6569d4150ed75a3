"""The 委員会's 定期的な報告 (個別テーマ 番号1〜15) and the checklist items that answer each theme: ppc_periodic.yaml.

One data file holds the report's own wording (question, answer choices) and, per theme, the items (checklist id and
item id) whose answers and 改善予定 decide its answer, the figures it asks and what a person must fill in.
`load_periodic_report()` reads and checks the file; `unknown_items()` checks every item against the checklists
(`flask --app app checklist lint` and the tests run both).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .files import BUILTIN_DIR, PPC_PERIODIC_FILE, _display, _read_data_file
from .model import Checklist, ChecklistError

STATUS, INCIDENTS, COMMISSION, MANUAL = "status", "incidents", "commission", "manual"
KINDS = (STATUS, INCIDENTS, COMMISSION, MANUAL)
# The answer keys of each kind and their wording in the 2017 report; {year} is the report's 年度 (令和７年度).
DEFAULT_ANSWERS: dict[str, dict[str, str]] = {
    STATUS: {"done": "適切に実施している（{year}中に対応が完了する予定の機関を含む。）",
             "gap": "{year}中に対応が完了しない", "na": "該当なし"},
    INCIDENTS: {"occurred": "漏えい等事案が発生した", "none": "漏えい等事案が発生していない"},
    COMMISSION: {"done": "委員会への報告を行った", "gap": "報告を行っていない", "na": "該当なし"},
    MANUAL: {},
}


@dataclass(frozen=True)
class ItemRef:
    checklist_id: str
    item_id: str

    @property
    def key(self) -> tuple[str, str]:
        return self.checklist_id, self.item_id

    def __str__(self) -> str:
        return self.item_id


@dataclass(frozen=True)
class Figure:
    label: str
    unit: str
    item: ItemRef | None = None        # summed from this measurement item; None: a person fills it in


@dataclass(frozen=True)
class Theme:
    number: int
    group: str
    question: str
    kind: str
    items: tuple[ItemRef, ...] = ()
    answers: dict[str, str] = field(default_factory=dict)
    figures: tuple[Figure, ...] = ()
    to_fill: tuple[str, ...] = ()

    def answer(self, key: str, year_label: str) -> str:
        return self.answers[key].format(year=year_label)


@dataclass(frozen=True)
class PeriodicReport:
    title: str
    basis: str
    themes: tuple[Theme, ...]

    def item_refs(self) -> list[ItemRef]:
        refs = [ref for theme in self.themes for ref in theme.items]
        refs += [f.item for theme in self.themes for f in theme.figures if f.item]
        return list(dict.fromkeys(refs))


def _ref(text, where: str, errors: list[str]) -> ItemRef | None:
    if not isinstance(text, str) or text.count(":") != 1 or not all(text.split(":")):
        errors.append(f"{where}: 項目は「チェックリストID:項目ID」（例: mynumber:M-02-02）で書いてください: {text!r}")
        return None
    checklist_id, item_id = text.split(":")
    return ItemRef(checklist_id.strip(), item_id.strip())


def _text(value, where: str, errors: list[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        errors.append(f"{where}: 文字列を書いてください")
        return ""
    return "".join(value.split())      # Japanese text folded over lines: no spaces between the lines


def parse(data, shown: str) -> PeriodicReport:
    errors: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("themes"), list) or not data["themes"]:
        raise ChecklistError(f"{shown}: themes: にテーマのリストを書いてください")
    themes: list[Theme] = []
    numbers: set[int] = set()
    for i, entry in enumerate(data["themes"], 1):
        where = f"{shown}: {i}番目のテーマ"
        if not isinstance(entry, dict):
            errors.append(f"{where}: number・question・kind を持つ項目として書いてください")
            continue
        number = entry.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or number in numbers:
            errors.append(f"{where}: number は重複しない整数で書いてください")
            continue
        numbers.add(number)
        where = f"{shown}: 番号{number}"
        kind = entry.get("kind")
        if kind not in KINDS:
            errors.append(f"{where}: kind は {' / '.join(KINDS)} のいずれかです")
            continue
        items = tuple(r for r in (_ref(t, where, errors) for t in entry.get("items") or []) if r)
        if kind == STATUS and not items:
            errors.append(f"{where}: kind: status には答える点検項目（items）が必要です")
        answers = dict(DEFAULT_ANSWERS[kind])
        given = entry.get("answers") or {}
        unknown = set(given) - set(answers) if isinstance(given, dict) else {"?"}
        if unknown:
            errors.append(f"{where}: answers のキーは {' / '.join(answers) or '（なし）'} です")
        else:
            answers.update({k: _text(v, f"{where}: answers.{k}", errors) for k, v in given.items()})
        figures = []
        for f in entry.get("figures") or []:
            if not isinstance(f, dict):
                errors.append(f"{where}: figures は {{label: …, unit: …, item: …}} の形で書いてください")
                continue
            figures.append(Figure(_text(f.get("label"), f"{where}: figures.label", errors), str(f.get("unit") or ""),
                                  _ref(f["item"], where, errors) if f.get("item") else None))
        themes.append(Theme(number, _text(entry.get("group"), f"{where}: group", errors),
                            _text(entry.get("question"), f"{where}: question", errors), kind, items, answers,
                            tuple(figures), tuple(_text(t, f"{where}: to_fill", errors)
                                                  for t in entry.get("to_fill") or [])))
    if errors:
        raise ChecklistError(errors)
    return PeriodicReport(_text(data.get("title"), f"{shown}: title", errors), _text(data.get("basis"), shown, errors),
                          tuple(sorted(themes, key=lambda t: t.number)))


@lru_cache(maxsize=4)
def load_periodic_report(folder: str | Path = BUILTIN_DIR) -> PeriodicReport:
    path = Path(folder) / PPC_PERIODIC_FILE
    shown = _display(path)
    return parse(_read_data_file(path, shown), shown)


def unknown_items(report: PeriodicReport, checklists: list[Checklist], shown: str = PPC_PERIODIC_FILE) -> list[str]:
    """One message per item the mapping names that no checklist has (a renamed or deleted item)."""
    known = {(c.id, item.id) for c in checklists for item in c.items()}
    measurement = {(c.id, item.id) for c in checklists for item in c.items() if item.measurement}
    errors = [f"{shown}: {ref.checklist_id}:{ref.item_id} はチェックリストにない項目です"
              for ref in report.item_refs() if ref.key not in known]
    errors += [f"{shown}: 番号{t.number}の {f.label} の {f.item.checklist_id}:{f.item.item_id} は計測項目ではありません"
               for t in report.themes for f in t.figures if f.item and f.item.key in known
               and f.item.key not in measurement]
    return errors
