"""The scoring method of the aggregated report: the one place that says how answers become numbers.

The category of a cell is computed by `sql_category()`, the sums over cells (results.py, cells.py)
use the weights and credits defined here, every chart and table reads its rates through `rate()` /
`score()`, and the report's annex prints `method_text()`, so the method written down is the method
computed.

- The unit is one item of one 課 (a cell): a 課 that answers a checklist on several 点検票 (one per 評価書)
  gives the weakest of its answers (`DEPARTMENT_ANSWER_ORDER`). Cells come from the 点検票 of the 年度 whose
  status is 提出済 or 承認済 (`COUNTED_STATUSES`); sheets still being answered count for the
  completion figures only.
- Each cell falls into one category: 実施 / 課題あり / 未実施 / 該当しない as stored with the
  answer (the keys DONE / PARTIAL / NOT_DONE / NOT_APPLICABLE below), or 未回答 (UNANSWERED) when an
  applicable item of a counted sheet has no answer.
- 該当しない is excluded from every denominator. 未回答 stays in the denominator and counts as 0.
- 実施率 = 実施 ÷ (実施 + 課題あり + 未実施 + 未回答). A partial answer (課題あり, 「一部実施」)
  is not 実施 here.
- 評点 (0–100) weighs each applicable cell by the item's severity (高 3, 中 2, 低 1) and gives it
  credit 実施 1, 課題あり 0.5, 未実施 0, 未回答 0: 評点 = 100 × Σ(重み × 得点) ÷ Σ 重み.
- 課題のある項目 (weakest items) rank items by their weighted gap (`weighted_gap()`): the item's severity
  weight × Σ over the 課 of the credit missing (未実施 1, 課題あり 0.5). An item of severity 高 that at least
  half of the 課 it applies to answered 未実施 or 課題あり is listed whatever its rank (`always_listed()`).
- 前年度比 compares like with like: only cells of the same 課 (matched by 課コード) and the same
  item (checklist id + item id, across checklist versions) answered (not 該当しない, not 未回答)
  in both 年度.
"""
from __future__ import annotations

from dataclasses import dataclass

# The categories are stable keys (what answers.category stores and scales.yaml names); pages and documents show
# CATEGORY_LABELS. They live with the checklist vocabulary, whose scales name them.
from checklists.model import (CATEGORY_LABELS, DONE, HIGH, LOW, MEDIUM, NOT_APPLICABLE, NOT_DONE, PARTIAL,  # noqa: F401
                              SEVERITY_LABELS, UNANSWERED)

# The stored categories (scales.yaml) and the one this report adds for applicable unanswered items.
CATEGORIES: tuple[str, ...] = (DONE, PARTIAL, NOT_DONE, NOT_APPLICABLE)
# Order of the segments of a stacked bar (as the 委員会's periodic report: 実施 first, 該当しない last).
BAR_CATEGORIES: tuple[str, ...] = (DONE, PARTIAL, NOT_DONE, UNANSWERED, NOT_APPLICABLE)
# Column names of the per-category counts that every aggregate query returns.
COUNT_COLUMNS: dict[str, str] = {
    DONE: "n_done", PARTIAL: "n_partial", NOT_DONE: "n_not_done", UNANSWERED: "n_unanswered",
    NOT_APPLICABLE: "n_na",
}

# Which sheets' answers are counted in the results. The triggers of summary/schema.py name these
# statuses too: changing them needs a migration that recreates the trigger `sheet_results_sheet_update`.
COUNTED_STATUSES: tuple[str, ...] = ("submitted", "approved")
SUBMITTED_STATUSES: tuple[str, ...] = ("submitted", "approved")
APPROVED_STATUSES: tuple[str, ...] = ("approved",)
STATUS_LABELS: dict[str, str] = {
    "not_started": "未着手", "answering": "回答中", "submitted": "提出済", "approved": "承認済",
    "returned": "差戻し",
}

# A 課 answers some checklists several times a 年度 (the pia checklist once per 評価書). Wherever the report counts
# 課, the 課's answer to an item is the weakest of its answers, in this order: a gap in any 評価書 is a gap of the 課,
# and the 課 is 実施 only when every 評価書 the item applies to is 実施 (`results.weakest()` applies it).
DEPARTMENT_ANSWER_ORDER: tuple[str, ...] = (NOT_DONE, PARTIAL, UNANSWERED, DONE, NOT_APPLICABLE)

CREDIT: dict[str, float] = {DONE: 1.0, PARTIAL: 0.5, NOT_DONE: 0.0, UNANSWERED: 0.0}
SEVERITY_WEIGHTS: dict[str, int] = {HIGH: 3, MEDIUM: 2, LOW: 1}
DEFAULT_SEVERITY_WEIGHT = 2
# Weakest items: an item of this severity is listed whatever its rank when at least this share (%) of the 課 it
# applies to answered 未実施 or 課題あり (a risk few 課 hold, such as 住基ネットのログ確認, still shows).
ALWAYS_LISTED_SEVERITY = HIGH
ALWAYS_LISTED_SHARE = 50.0
# A rate computed from fewer answers than this is printed with its n (「50.0%（n=4）」).
SMALL_N = 10


def _quoted(values) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


# --------------------------------------------------------------------------- SQL building blocks

def sql_category(answer_alias: str = "a") -> str:
    """The category of a cell: an item joined to its (possibly missing) answer row."""
    a = answer_alias
    return (f"CASE WHEN {a}.id IS NULL THEN '{UNANSWERED}' WHEN {a}.auto_na = 1 THEN '{NOT_APPLICABLE}' "
            f"WHEN {a}.category IN ({_quoted(CATEGORIES)}) THEN {a}.category ELSE '{UNANSWERED}' END")


def sql_weight(severity_column: str) -> str:
    cases = " ".join(f"WHEN '{k}' THEN {v}" for k, v in SEVERITY_WEIGHTS.items())
    return f"(CASE {severity_column} {cases} ELSE {DEFAULT_SEVERITY_WEIGHT} END)"


def sql_credit(category_column: str) -> str:
    cases = " ".join(f"WHEN '{k}' THEN {v}" for k, v in CREDIT.items() if v)
    return f"(CASE {category_column} {cases} ELSE 0 END)"


def sql_counts(category_column: str = "category", severity_column: str = "severity") -> str:
    """SELECT-list aggregates every query returns: per-category counts and the two weight sums."""
    parts = [f"SUM({category_column} = '{category}') AS {column}" for category, column in COUNT_COLUMNS.items()]
    applicable = f"({category_column} <> '{NOT_APPLICABLE}')"
    parts.append(f"SUM({applicable} * {sql_weight(severity_column)}) AS w_total")
    parts.append(f"SUM({applicable} * {sql_weight(severity_column)} * {sql_credit(category_column)}) AS w_credit")
    return ",\n       ".join(parts)


def sql_in(values) -> str:
    return f"({_quoted(values)})"


# --------------------------------------------------------------------------- numbers from the aggregates

@dataclass(frozen=True)
class Counts:
    """Per-category counts of a group of cells and the severity-weight sums of its applicable cells."""
    done: int = 0
    partial: int = 0
    not_done: int = 0
    unanswered: int = 0
    na: int = 0
    w_total: float = 0.0
    w_credit: float = 0.0

    @classmethod
    def from_row(cls, row) -> "Counts":
        get = row.get if hasattr(row, "get") else row.__getitem__
        return cls(done=int(get("n_done") or 0), partial=int(get("n_partial") or 0),
                   not_done=int(get("n_not_done") or 0), unanswered=int(get("n_unanswered") or 0),
                   na=int(get("n_na") or 0), w_total=float(get("w_total") or 0),
                   w_credit=float(get("w_credit") or 0))

    def by_category(self) -> dict[str, int]:
        return {DONE: self.done, PARTIAL: self.partial, NOT_DONE: self.not_done,
                UNANSWERED: self.unanswered, NOT_APPLICABLE: self.na}

    @property
    def total(self) -> int:
        return self.done + self.partial + self.not_done + self.unanswered + self.na

    @property
    def applicable(self) -> int:
        """The denominator: every cell except 該当しない."""
        return self.done + self.partial + self.not_done + self.unanswered

    @property
    def gaps(self) -> int:
        return self.partial + self.not_done

    @property
    def rate(self) -> float | None:
        return rate(self.done, self.applicable)

    @property
    def score(self) -> float | None:
        return score(self.w_credit, self.w_total)


def rate(done: int, applicable: int) -> float | None:
    """実施率 in percent, or None when nothing applies (shown as 「—」, never as 0)."""
    if not applicable:
        return None
    return 100.0 * done / applicable


def score(weighted_credit: float, weighted_total: float) -> float | None:
    """評点 0–100, or None when nothing applies."""
    if not weighted_total:
        return None
    return 100.0 * weighted_credit / weighted_total


def weight(severity: str | None) -> int:
    return SEVERITY_WEIGHTS.get(severity or "", DEFAULT_SEVERITY_WEIGHT)


def weighted_gap(severity: str | None, counts: "Counts") -> float:
    """How much an item weighs among the weakest: severity weight × the credit the 課 missed (未実施 1, 課題あり
    0.5) — the item's share of the points missing from the 評点."""
    missed = counts.not_done * (1 - CREDIT[NOT_DONE]) + counts.partial * (1 - CREDIT[PARTIAL])
    return weight(severity) * missed


def always_listed(severity: str | None, counts: "Counts") -> bool:
    """A high-severity item most of whose 課 have a gap is listed among the weakest even when few 課 answer it."""
    share = rate(counts.gaps, counts.applicable)
    return severity == ALWAYS_LISTED_SEVERITY and share is not None and share >= ALWAYS_LISTED_SHARE


def rate_with_n(done: int, n: int, digits: int = 1) -> str:
    """A rate as printed: with its n when it comes from few answers (「50.0%（n=4）」)."""
    text = percent(rate(done, n), digits)
    return f"{text}（n={n}）" if 0 < n < SMALL_N else text


def change(current: float | None, previous: float | None) -> float | None:
    """Change in percentage points."""
    if current is None or previous is None:
        return None
    return current - previous


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}%"


def points(value: float | None, digits: int = 1) -> str:
    """A change in percentage points with its sign: ＋3.5 / −2.0 / ±0.0 (ポイント)."""
    if value is None:
        return "—"
    rounded = round(value, digits)
    if rounded > 0:
        return f"+{rounded:.{digits}f}"
    if rounded < 0:
        return f"−{abs(rounded):.{digits}f}"
    return f"±{0:.{digits}f}"


def change_text(before: float | None, now: float | None, change: float | None, *, predicate: bool = False) -> str:
    """A rate's change in words, the direction said by a word, not a sign: 50.0%から66.7%へ16.7ポイント上昇 /
    …低下 / 60.0%で横ばい; with predicate, a sentence's end: …上昇した / …低下した / …横ばいであった."""
    rounded = round(change or 0.0, 1)
    if rounded == 0:
        return f"{percent(now)}で横ばい" + ("であった" if predicate else "")
    direction = "上昇" if rounded > 0 else "低下"
    return f"{percent(before)}から{percent(now)}へ{abs(rounded):.1f}ポイント{direction}" + ("した" if predicate else "")


# --------------------------------------------------------------------------- the method in words

def method_text() -> list[tuple[str, str]]:
    """(heading, paragraph) pairs for the annex 「集計方法」 of the PDF and the Excel."""
    weights = "、".join(f"{SEVERITY_LABELS[k]} {v}" for k, v in SEVERITY_WEIGHTS.items())
    credits = "、".join(f"{CATEGORY_LABELS[k]} {v:g}" for k, v in CREDIT.items())
    statuses = "・".join(STATUS_LABELS[s] for s in COUNTED_STATUSES)
    return [
        ("集計の単位", f"課ごとの点検票の項目1件を単位とする。回答の集計には、状態が{statuses}の点検票だけを用い、"
                   "未着手・回答中・差戻しの点検票は提出状況の集計にだけ用いる。"),
        ("評価書が複数ある課", "特定個人情報保護評価のチェックリストのように課が評価書ごとに複数の点検票で回答するものは、"
                      "課の項目ごとの回答を、その課の点検票の回答のうち最も弱いもの（"
                      f"{'、'.join(CATEGORY_LABELS[c] for c in DEPARTMENT_ANSWER_ORDER)}の順）とし、課を1回だけ数える。"
                      "いずれかの評価書に課題があれば、その課の課題である。提出状況（点検票・未提出・期限超過の件数）は"
                      "点検票ごとに数える。評価書ごとの回答は「特定個人情報保護評価書ごとの点検結果」に示す。"),
        ("回答の区分", "各項目の回答は、回答の選択肢ごとに定めた区分（実施／課題あり／実施していない／該当しない）に"
                   "分類する。日付・数値で答える項目は、項目に定めた基準を満たせば実施、満たさなければ課題ありとする。"
                   "日付・数値の代わりに「実施していない（一度も行っていない）」「把握していない」と答えた項目は実施していない、"
                   "「該当しない」と答えた項目は該当しないとする。"
                   "課のプロファイル上対象外の項目は自動的に該当しないとなる。対象となる項目に回答がない場合は未回答とする。"),
        ("該当しないの扱い", "該当しないは、実施率・評点の分母から除く。帯グラフの帯は該当しないを除いた回答の割合で、"
                     "帯の実施の長さが実施率と一致する。該当しないの件数は帯の外に示す。"),
        ("実施率", "実施率＝実施の件数÷（実施＋課題あり＋実施していない＋未回答の件数）×100。"
                 "課題あり（一部実施）は実施に含めない。未回答は分母に含め、実施に含めない。"),
        ("評点", f"評点は項目の重要度で重み付けした0〜100の値である。重み: {weights}。得点: {credits}。"
               "評点＝100×Σ（重み×得点）÷Σ重み（該当しないを除く）。課題あり（一部実施）は半分の得点とする。"),
        ("課題の多い項目", f"項目ごとに、実施していないと回答した課の数と課題ありと回答した課の数の{1 - CREDIT[PARTIAL]:g}倍を足し、"
                      f"項目の重要度の重み（{weights}）を掛けた値（重み付き課題）の大きい順に並べる（同じ値の場合は割合の高い順）。"
                      f"重要度が{SEVERITY_LABELS[ALWAYS_LISTED_SEVERITY]}で、該当する課の{ALWAYS_LISTED_SHARE:g}％以上が課題あり又は実施していないと"
                      "回答した項目は、回答した課が少なくても順位にかかわらず掲げる。"
                      "割合は、その項目が該当する課（該当しないを除く）に対する割合である。"),
        ("少数の回答", f"回答の数が{SMALL_N}未満の実施率には、その数を（n=…）として添える。"),
        ("計測項目", "漏えい等事案の件数や研修の未受講者数のように値そのものを尋ねる項目（計測項目）は、値を把握していれば"
                  "実施、把握していなければ実施していないとして実施率・評点に数える。1件以上と答えても課題ありにはせず、"
                  "値は「計測項目の集計」に項目ごとの合計、1以上と答えた課の数、把握していない課の数として示す。"),
        ("前年度との比較", "同じ課（課コードで照合）の同じ項目（チェックリストIDと項目IDで照合。版が変わっても同じ項目とみなす）で、"
                      "両年度とも回答がある（該当しない・未回答でない）ものだけを比べ、実施率の差をポイントで示す。"
                      "課別・項目別の表は、差（ポイント）の小さい順（低下の大きい順）に並べる。"),
        ("未提出の課", "点検票を1件も提出していない課は、評点・実施率がないため、課を弱い順に並べる表では「未提出」として先頭に"
                    "（期限超過のものから）掲げる。"),
        ("期限超過", "提出済・承認済でない点検票のうち、提出期限（課ごとの期限の指定があればその期限）が今日より前のものである。"),
    ]
