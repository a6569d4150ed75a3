"""The cells of one 年度 in memory, and the sums every part of the report is made of.

A cell is one item of one 課's counted 点検票 (scoring.py); a 課 that answers a version on several
(one per 評価書) gives one row, the weakest answer per item. For each checklist version the counted
sheets' stored codes (results.py) form one matrix, 課 × items; the report's figures are sums
over those matrices, computed with numpy in one pass per 年度 instead of one SQL GROUP BY per table:

- `grid`: counts per (課, checklist section), from which the overall figure, the sections, the 課
  and the heatmap are all summed, so they always agree;
- `items`: counts per item (checklist id + item id, across versions), for the weakest items;
- `states`: per (課コード, item) whether it was answered and 実施, for the year-over-year pairs.

The vector of a group of cells is `VALUES`: the five category counts in `scoring.BAR_CATEGORIES`
order, then the two severity-weight sums of `scoring.Counts`.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from sqlite_utils import Database

from . import results
from .scoring import Counts

VALUES = 7     # done, partial, not_done, unanswered, na, w_total, w_credit
_CATEGORY_CODES = np.arange(len(results.CODES), dtype=np.uint8)
# Answered for the year-over-year comparison: not 該当しない, not 未回答.
_ANSWERED_CODES = np.array([results.DONE, results.PARTIAL, results.NOT_DONE], dtype=np.uint8)


def counts_of(values) -> Counts:
    done, partial, not_done, unanswered, na, w_total, w_credit = values.tolist() if hasattr(values, "tolist") \
        else values
    return Counts(int(done), int(partial), int(not_done), int(unanswered), int(na), w_total, w_credit)


@dataclass
class Block:
    """The counted sheets of one checklist version: one row of codes per 課, the weakest answer of its sheets
    per item (results.weakest) when it answered the version on several (one per 評価書)."""
    layout: results.Layout
    department_ids: list[int]
    codes: np.ndarray                       # (課, items) uint8

    @cached_property
    def cell_values(self) -> np.ndarray:
        """(sheets, items, VALUES): each cell's vector."""
        onehot = (self.codes[:, :, None] == _CATEGORY_CODES).astype(np.float64)
        weighted = self.layout.weights[None, :] * results.APPLICABLE[self.codes]
        credited = weighted * results.CREDITS[self.codes]
        return np.concatenate([onehot, weighted[:, :, None], credited[:, :, None]], axis=2)


@dataclass
class YearCells:
    blocks: list[Block] = field(default_factory=list)

    @classmethod
    def load(cls, db: Database, sheets: list[tuple[int, int, int]]) -> "YearCells":
        """`sheets`: (sheet_id, department_id, version_id) of the counted sheets of the 年度 in scope."""
        stored = results.load(db, [s[0] for s in sheets])
        layouts = results.layouts(db, {version for version, _ in stored.values()})
        stale = [sheet_id for sheet_id, (version, codes) in stored.items()
                 if version not in layouts or len(codes) != len(layouts[version])]
        if stale:   # cannot happen while the triggers are in place; recompute rather than mislead
            results.discard(db, stale)
            stored.update(results.load(db, stale))
        # version -> 課 -> the codes of its sheets (several when the 課 answers once per 評価書)
        rows: dict[int, dict[int, list[np.ndarray]]] = defaultdict(dict)
        for sheet_id, department_id, _version in sheets:
            if sheet_id in stored:
                version, codes = stored[sheet_id]
                rows[version].setdefault(department_id, []).append(codes)
        blocks = [Block(layouts[version], list(by_department),
                        np.stack([results.weakest(np.stack(codes)) for codes in by_department.values()]))
                  for version, by_department in sorted(rows.items()) if version in layouts]
        return cls(blocks)

    @property
    def empty(self) -> bool:
        return not self.blocks

    def grid(self) -> "Grid":
        """Counts per (課, checklist, section)."""
        departments = sorted({d for b in self.blocks for d in b.department_ids})
        sections = sorted({(b.layout.checklist_id, s) for b in self.blocks for s in b.layout.section_ids})
        d_index = {d: i for i, d in enumerate(departments)}
        s_index = {s: i for i, s in enumerate(sections)}
        values = np.zeros((len(departments), len(sections), VALUES))
        for block in self.blocks:
            layout = block.layout
            local = sorted(set(layout.section_ids))
            # items × local sections, 1 where the item belongs to the section
            membership = np.zeros((len(layout), len(local)))
            membership[np.arange(len(layout)), [local.index(s) for s in layout.section_ids]] = 1.0
            per_section = np.einsum("rkv,ks->rsv", block.cell_values, membership)
            rows = np.array([d_index[d] for d in block.department_ids])[:, None]
            cols = np.array([s_index[(layout.checklist_id, s)] for s in local])[None, :]
            np.add.at(values, (rows, cols), per_section)
        titles = {}
        for block in self.blocks:      # the latest version's titles win
            for section_id, title in block.layout.section_titles.items():
                titles[(block.layout.checklist_id, section_id)] = (block.layout.checklist_title, title)
        return Grid(departments, sections, values, titles)

    def items(self) -> dict[tuple[str, str], tuple[np.ndarray, int]]:
        """{(checklist_id, item_id): (VALUES vector, the highest item pk)} over every counted sheet."""
        totals: dict[tuple[str, str], tuple[np.ndarray, int]] = {}
        for block in self.blocks:
            per_item = block.cell_values.sum(axis=0)
            layout = block.layout
            for k, (item_pk, item_id) in enumerate(zip(layout.item_pks, layout.item_ids)):
                key = (layout.checklist_id, item_id)
                if key in totals:
                    values, pk = totals[key]
                    totals[key] = (values + per_item[k], max(pk, item_pk))
                else:
                    totals[key] = (per_item[k], item_pk)
        return totals

    def states(self, department_codes: dict[int, str], code_index: dict[str, int],
               item_index: dict[tuple[str, str], int]) -> np.ndarray:
        """(課コード, item) → -1 not answered (該当しない・未回答 or no sheet), 0 answered not 実施, 1 実施.

        Answered in any of the 課's rows counts; as in a block's rows, the weakest answer wins (one 未実施 row
        makes the 課 not 実施, scoring.DEPARTMENT_ANSWER_ORDER)."""
        # 0 not answered, 1 実施, 2 answered not 実施: the maximum over the 課's rows is its weakest answer.
        weakness = np.zeros((len(code_index), len(item_index)), dtype=np.int8)
        for block in self.blocks:
            layout = block.layout
            answered = np.isin(block.codes, _ANSWERED_CODES)
            value = np.where(answered, np.where(block.codes == results.DONE, 1, 2), 0).astype(np.int8)
            rows = np.array([code_index[department_codes[d]] for d in block.department_ids])[:, None]
            cols = np.array([item_index[(layout.checklist_id, i)] for i in layout.item_ids])[None, :]
            np.maximum.at(weakness, (rows, cols), value)
        return np.array([-1, 1, 0], dtype=np.int8)[weakness]

    def item_keys(self) -> set[tuple[str, str]]:
        return {(b.layout.checklist_id, i) for b in self.blocks for i in b.layout.item_ids}

    def department_ids(self) -> set[int]:
        return {d for b in self.blocks for d in b.department_ids}

    def highest_item_pks(self) -> dict[tuple[str, str], int]:
        pks: dict[tuple[str, str], int] = {}
        for block in self.blocks:
            for item_pk, item_id in zip(block.layout.item_pks, block.layout.item_ids):
                key = (block.layout.checklist_id, item_id)
                pks[key] = max(pks.get(key, 0), item_pk)
        return pks


@dataclass
class Grid:
    """Counts per (課, section): `values[department index, section index]` is a VALUES vector."""
    departments: list[int]
    sections: list[tuple[str, str]]                   # (checklist_id, section_id), sorted
    values: np.ndarray
    titles: dict[tuple[str, str], tuple[str, str]]    # (checklist title, section title)

    def overall(self) -> Counts:
        return counts_of(self.values.sum(axis=(0, 1)))

    def by_section(self) -> list[tuple[tuple[str, str], Counts]]:
        totals = self.values.sum(axis=0)
        return [(key, counts_of(totals[i])) for i, key in enumerate(self.sections)]

    def by_department(self) -> dict[int, Counts]:
        totals = self.values.sum(axis=1)
        return {d: counts_of(totals[i]) for i, d in enumerate(self.departments)}

    def cells(self) -> dict[tuple[int, str, str], Counts]:
        """Per (課, checklist, section) that has cells."""
        present = np.nonzero(self.values[:, :, :5].sum(axis=2) > 0)
        return {(self.departments[d], *self.sections[s]): counts_of(values)
                for d, s, values in zip(*(p.tolist() for p in present), self.values[present].tolist())}
