"""What differs between two versions of a checklist: shown before an import is confirmed, and on each
version's page against the version before it.

Items are matched by their id (what the answers and the year-over-year comparison match on too), so a
reworded question is a change of that item, and a renumbered one is one item removed and one added.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from checklists import loader

CHECKLIST_FIELDS = (("title", "名称"), ("description", "説明"), ("prefix", "接頭辞"), ("tags", "対象タグ"))
ITEM_FIELDS = (("section", "区分"), ("question", "質問"), ("guidance", "解説"), ("evidence_hint", "証跡の例"),
               ("evidence_required", "証跡"), ("scale", "回答尺度"), ("severity", "重要度"), ("tags", "適用タグ"),
               ("sources", "根拠"), ("expect", "基準"), ("unit", "単位"),
               ("measurement", "計測項目"))


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ItemChange:
    item_id: str
    question: str                    # the new wording
    changes: tuple[FieldChange, ...]


@dataclass
class VersionDiff:
    checklist: list[FieldChange] = field(default_factory=list)
    added: list[loader.Item] = field(default_factory=list)
    removed: list[loader.Item] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)
    reordered: bool = False          # the same items in another order

    @property
    def empty(self) -> bool:
        return not (self.checklist or self.added or self.removed or self.changed or self.reordered)

    @property
    def summary(self) -> str:
        """「追加 2 項目・削除 1 項目・変更 3 項目」 (or 「変更なし」)."""
        parts = [f"{label} {len(items)} 項目" for label, items in
                 (("追加", self.added), ("削除", self.removed), ("変更", self.changed)) if items]
        if self.checklist:
            parts.insert(0, "、".join(change.label for change in self.checklist) + "の変更")
        if self.reordered:
            parts.append("項目の順序の変更")
        return "・".join(parts) or "変更なし"


def _text(value: Any) -> str:
    if value is None or value == "" or value == () or value == []:
        return "（なし）"
    if isinstance(value, bool):
        return "必須" if value else "任意"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict) or hasattr(value, "items"):
        return json.dumps(dict(value), ensure_ascii=False, sort_keys=True)
    return str(value)


def _item_value(item: loader.Item, name: str) -> Any:
    if name == "section":
        return f"{item.section_id} {item.section_title}"
    if name == "measurement":
        return "計測項目" if item.measurement else "判定項目"
    if name == "severity":
        return loader.SEVERITY_LABELS[item.severity]
    return getattr(item, name)


def _changes(pairs: tuple[tuple[str, str], ...], old: Any, new: Any, value) -> tuple[FieldChange, ...]:
    return tuple(FieldChange(label, _text(value(old, name)), _text(value(new, name)))
                 for name, label in pairs if _text(value(old, name)) != _text(value(new, name)))


def compare(old: loader.Checklist | None, new: loader.Checklist) -> VersionDiff:
    """The differences from `old` to `new`; with no old version every item is added."""
    if old is None:
        return VersionDiff(added=new.items())
    diff = VersionDiff(checklist=list(_changes(CHECKLIST_FIELDS, old, new, getattr)))
    old_items = {item.id: item for item in old.items()}
    new_items = {item.id: item for item in new.items()}
    diff.added = [item for item in new.items() if item.id not in old_items]
    diff.removed = [item for item in old.items() if item.id not in new_items]
    for item in new.items():
        if item.id in old_items:
            changes = _changes(ITEM_FIELDS, old_items[item.id], item, _item_value)
            if changes:
                diff.changed.append(ItemChange(item.id, item.question, changes))
    kept_old = [i.id for i in old.items() if i.id in new_items]
    kept_new = [i.id for i in new.items() if i.id in old_items]
    diff.reordered = kept_old != kept_new
    return diff
