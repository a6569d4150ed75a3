"""The five roles of PRODUCT.md: keys used in code and on the command line, names shown in the UI."""
from __future__ import annotations

CHIEF = "chief"
AUDITOR = "auditor"
MANAGER = "manager"
STAFF = "staff"
ADMIN = "admin"

ROLE_LABELS: dict[str, str] = {
    CHIEF: "総括保護管理者",
    AUDITOR: "監査責任者・監査員",
    MANAGER: "保護管理者",
    STAFF: "保護担当者",
    ADMIN: "システム管理者",
}
ROLES: tuple[str, ...] = tuple(ROLE_LABELS)

# Roles that read every 課's records (answers, evidence) — PRODUCT.md "People and roles".
ORGANISATION_READERS = frozenset({CHIEF, AUDITOR})
# Roles that act inside their own 課 only.
DEPARTMENT_ROLES = frozenset({MANAGER, STAFF})


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)
