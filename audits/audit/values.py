"""The fixed values of the audit, each field with its own set (keys stored, Japanese labels shown)."""
from __future__ import annotations

# audit_findings.severity shares the items' scale (stored keys high / medium / low, labels 高 / 中 / 低).
from checklists.model import HIGH, LOW, MEDIUM, SEVERITIES, SEVERITY_LABELS  # noqa: F401

# audits.status: the audit's own workflow.
FIELDWORK, FACT_CHECK, ISSUED = "fieldwork", "fact_check", "issued"
AUDIT_STATUS_LABELS = {FIELDWORK: "実施中（報告書作成中）", FACT_CHECK: "事実確認中", ISSUED: "発行済"}

# audit_checks.result: the auditor's 確認結果 for one checklist item.
RESULT_PROPER, RESULT_MOSTLY_PROPER, RESULT_NEEDS_IMPROVEMENT, RESULT_IMPROPER, RESULT_UNCHECKED = (
    "proper", "mostly_proper", "needs_improvement", "improper", "unchecked")
# What a reader sees for each stored result (use this, never the stored value, in pages and documents).
RESULT_LABELS: dict[str, str] = {RESULT_PROPER: "適正", RESULT_MOSTLY_PROPER: "概ね適正",
                                 RESULT_NEEDS_IMPROVEMENT: "要改善", RESULT_IMPROPER: "不適正",
                                 RESULT_UNCHECKED: "未確認"}
RESULTS = tuple(RESULT_LABELS)
GOOD_RESULTS = frozenset({RESULT_PROPER, RESULT_MOSTLY_PROPER})
DEFAULT_RESULT = RESULT_UNCHECKED

# 実施手法 (several may apply); the report joins them in this order.
METHODS = {
    "documents": "提出資料の確認",
    "interview": "担当職員への聴き取り調査",
    "site": "現地調査",
}

# audit_findings.severity and .status; request_kind says how strongly the 課 is asked.
FINDING_OPEN, FINDING_CLOSED, FINDING_WITHDRAWN = "open", "closed", "withdrawn"
FINDING_STATUS_LABELS = {FINDING_OPEN: "未完了", FINDING_CLOSED: "完了", FINDING_WITHDRAWN: "取下げ"}
# A 指摘 (改善を求める事項) has a deadline and becomes a corrective action; a 要望 has neither, and ends as the
# auditor chooses (wish_ending).
REQUEST_IMPROVEMENT, REQUEST_WISH = "improvement", "wish"
REQUEST_KIND_LABELS: dict[str, str] = {REQUEST_IMPROVEMENT: "改善を求める事項", REQUEST_WISH: "要望"}
REQUEST_KINDS = tuple(REQUEST_KIND_LABELS)
# audit_findings.wish_ending: how a 要望's sentence ends (NULL for a 指摘).
ENDING_EFFORT, ENDING_ENGAGE = "effort", "engage"
WISH_ENDING_LABELS: dict[str, str] = {ENDING_EFFORT: "努めていただきたい", ENDING_ENGAGE: "取り組まれたい"}
DEFAULT_WISH_ENDING = ENDING_EFFORT

# corrective_actions.status.
ACTION_OPEN, ACTION_SUBMITTED, ACTION_CLOSED = "open", "submitted", "closed"
ACTION_STATUS_LABELS = {ACTION_OPEN: "対応中", ACTION_SUBMITTED: "報告済（確認待ち）", ACTION_CLOSED: "完了"}
ACTION_EVENT_LABELS = {
    "create": "改善措置の設定", "submit": "改善の報告", "accept": "完了の確認", "return": "追加対応の依頼",
    "due_change": "期限の変更", "withdraw": "指摘の取下げ",
}

# audit_fact_check_replies.state: an audited 課's reply to the draft sent for 事実確認.
REPLY_PENDING, REPLY_NO_COMMENT, REPLY_COMMENTED = "pending", "no_comment", "commented"
REPLY_STATE_LABELS = {REPLY_PENDING: "未回答", REPLY_NO_COMMENT: "確認しました（意見なし）",
                      REPLY_COMMENTED: "意見あり"}
FACT_CHECK_DAYS = 14   # the reply deadline proposed when sending: this many days after the send

# The report's fixed sections (Setagaya 報告資料No.6-2).
SECTION_TITLES = ("監査の観点", "監査対象課", "監査対象課の選定理由", "監査の実施日時、場所及び内容",
                  "監査の結果", "終わりに")

DEFAULT_BASIS = "個人情報保護条例"  # title: 令和N年度 <団体名><根拠>に基づく監査 報告書


def methods_text(keys) -> str:
    """['documents', 'interview', 'site'] -> 提出資料の確認、担当職員への聴き取り調査及び現地調査."""
    labels = [METHODS[k] for k in METHODS if k in set(keys or ())]
    if len(labels) <= 1:
        return "".join(labels)
    return "、".join(labels[:-1]) + "及び" + labels[-1]
