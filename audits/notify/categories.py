"""The kinds of notice a person can turn off, in one place (keys stored, labels shown)."""
from __future__ import annotations

SHEET_WORKFLOW = "sheet_workflow"
SHEET_DUE = "sheet_due"
ACTION_DUE = "action_due"
FACT_CHECK = "fact_check"
INCIDENT_DUE = "incident_due"

CATEGORY_LABELS: dict[str, str] = {
    SHEET_WORKFLOW: "点検票の提出・差戻し・承認",
    SHEET_DUE: "点検票の提出期限（7日前・期限超過）",
    ACTION_DUE: "改善措置の期限（7日前・期限超過）",
    FACT_CHECK: "監査報告書案の事実確認の依頼",
    INCIDENT_DUE: "漏えい等事案の報告期限（速報・確報・本人通知の7日前・期限超過）",
}
CATEGORIES: tuple[str, ...] = tuple(CATEGORY_LABELS)
# The daily digest gathers the deadline categories into one notice per person and day.
DIGEST = "digest"
STORED = CATEGORIES + (DIGEST,)

# What happens to a notice's e-mail: none (no address when it was made), pending (to send), sent.
MAIL_NONE, MAIL_PENDING, MAIL_SENT = "none", "pending", "sent"
MAIL_STATES = (MAIL_NONE, MAIL_PENDING, MAIL_SENT)
