"""The checklist data model: immutable ``Checklist`` / ``Section`` / ``Item`` objects, the
answer vocabulary they refer to (``Scale``, ``ScaleOption``, ``Tag``, ``Vocabulary``),
``ChecklistError`` and the fixed values of the format (FORMAT.md): severities, scale kinds,
``expect`` keys and the keys of a checklist, a section and an item.

Pure data: nothing here reads a file or validates one (see parser.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Stable keys: what checklist_items.severity and audit_findings.severity store.
SEVERITIES = ("high", "medium", "low")
HIGH, MEDIUM, LOW = SEVERITIES
# What a reader sees for each stored severity (use this, never the stored value, in pages and documents).
# Checklist files (FORMAT.md) are written with these labels: the parser maps them to keys, to_data() back.
SEVERITY_LABELS: dict[str, str] = {HIGH: "高", MEDIUM: "中", LOW: "低"}
SEVERITY_KEYS: dict[str, str] = {label: key for key, label in SEVERITY_LABELS.items()}
# Answer categories, stable keys: what scales.yaml names and answers.category stores (audits/summary/scoring.py,
# whose names these are, adds UNANSWERED for an applicable item without an answer). Readers see CATEGORY_LABELS.
DONE, PARTIAL, NOT_DONE, NOT_APPLICABLE, UNANSWERED = "done", "partial", "not_done", "na", "unanswered"
CATEGORY_LABELS: dict[str, str] = {
    DONE: "実施",
    PARTIAL: "課題あり（一部実施）",
    NOT_DONE: "実施していない",
    UNANSWERED: "未回答",
    NOT_APPLICABLE: "該当しない",
}


def severity_label(severity: str | None) -> str:
    """高 / 中 / 低 for a stored severity key ('' for none)."""
    return SEVERITY_LABELS.get(severity, severity) if severity else ""


def category_label(category: str | None) -> str:
    """実施 / 課題あり（一部実施） / … for a stored category key ('' for none)."""
    return CATEGORY_LABELS.get(category, category) if category else ""


SCALE_KINDS = ("choice", "date", "number")
EXPECT_KEYS = {"date": ("within_days",), "number": ("at_least", "at_most")}

CHECKLIST_KEYS = ("id", "title", "description", "prefix", "tags", "sections")
SECTION_KEYS = ("id", "title", "items")
ITEM_KEYS = ("id", "question", "guidance", "evidence_hint", "evidence_required", "scale",
             "severity", "tags", "sources", "expect", "unit", "measurement")


class ChecklistError(Exception):
    """Invalid checklist data. ``errors`` holds every message (Japanese) a user needs."""

    def __init__(self, errors: Iterable[str] | str):
        if isinstance(errors, str):
            errors = [errors]
        self.errors: list[str] = list(errors)
        super().__init__("\n".join(self.errors))


class FrozenDict(Mapping):
    """Read-only, hashable mapping (used for ``Item.expect``): ``item.expect["within_days"]``,
    ``dict(item.expect)``, ``item.expect.get("at_least")`` all work."""

    __slots__ = ("_data",)

    def __init__(self, *args, **kwargs):
        object.__setattr__(self, "_data", dict(*args, **kwargs))

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def __hash__(self):
        return hash(frozenset(self._data.items()))

    def __eq__(self, other):
        if isinstance(other, Mapping):
            return dict(self._data) == dict(other.items())
        return NotImplemented

    def __setattr__(self, name, value):
        raise AttributeError("FrozenDict is read-only")

    def __repr__(self):
        return f"FrozenDict({self._data!r})"

    def __reduce__(self):                 # pickle / copy.deepcopy
        return (FrozenDict, (dict(self._data),))


@dataclass(frozen=True)
class ScaleOption:
    id: str
    label: str
    category: str


@dataclass(frozen=True)
class Scale:
    id: str
    label: str
    kind: str                          # 'choice' | 'date' | 'number'
    options: tuple[ScaleOption, ...] = ()
    unit: str | None = None
    min: int | float | None = None
    max: int | float | None = None

    def option(self, option_id: str) -> ScaleOption | None:
        for opt in self.options:
            if opt.id == option_id:
                return opt
        return None


@dataclass(frozen=True)
class Tag:
    id: str
    label: str
    description: str


@dataclass(frozen=True)
class Vocabulary:
    scales: dict[str, Scale]
    tags: dict[str, Tag]
    categories: tuple[str, ...]          # keys, in the order of scales.yaml: done, partial, not_done, na
    gap_categories: frozenset[str]       # categories that need an 改善予定


@dataclass(frozen=True)
class Item:
    id: str
    section_id: str
    section_title: str
    position: int                        # 1-based order of the item in the whole checklist
    question: str
    guidance: str
    evidence_hint: str
    evidence_required: bool
    scale: str
    severity: str                        # high / medium / low (SEVERITIES; files write 高 / 中 / 低)
    tags: tuple[str, ...]
    sources: tuple[str, ...]
    expect: FrozenDict | None            # read-only mapping, e.g. {"within_days": 35}; None if absent
    unit: str | None                     # overrides the scale's unit (number scales only)
    # A measurement item asks for a figure (incidents this year, staff not yet trained): knowing it is
    # what counts as 実施, and the figure is reported as information, never judged (FORMAT.md).
    measurement: bool = False

    def data(self) -> dict:
        """The item in the plain-data form of FORMAT.md."""
        out: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "guidance": self.guidance,
            "evidence_hint": self.evidence_hint,
            "evidence_required": self.evidence_required,
            "scale": self.scale,
            "severity": SEVERITY_LABELS[self.severity],
            "tags": list(self.tags),
            "sources": list(self.sources),
        }
        if self.expect is not None:
            out["expect"] = dict(self.expect)
        if self.unit is not None:
            out["unit"] = self.unit
        if self.measurement:
            out["measurement"] = True
        return out


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Checklist:
    id: str
    title: str
    description: str                     # "" when absent
    prefix: str
    tags: tuple[str, ...]
    sections: tuple[Section, ...]
    source: str = field(default="", compare=False)   # file name, or 'Excel'

    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    def item(self, item_id: str) -> Item | None:
        for item in self.items():
            if item.id == item_id:
                return item
        return None

    def to_data(self) -> dict:
        """Canonical plain-data form: the YAML structure of FORMAT.md (keys in its order)."""
        out: dict[str, Any] = {"id": self.id, "title": self.title}
        if self.description:
            out["description"] = self.description
        out["prefix"] = self.prefix
        out["tags"] = list(self.tags)
        out["sections"] = [
            {"id": s.id, "title": s.title, "items": [item.data() for item in s.items]}
            for s in self.sections
        ]
        return out

    def content_hash(self) -> str:
        """sha256 of the canonical JSON of ``to_data()``: equal content gives an equal hash."""
        text = json.dumps(self.to_data(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
