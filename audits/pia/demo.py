"""Demo 評価書: 市民課 holds two (so its pia checklist is answered twice a year), the other pia 課 one each."""
from __future__ import annotations

from sqlite_utils import Database

from ..auth.service import load_user
from . import service
from .values import KIND_BASIC, KIND_FOCUSED, KIND_FULL

# 課コード (audits/demo.py) -> (事務の名称, kind, 公表日)
ASSESSMENTS: dict[str, list[tuple[str, str, str]]] = {
    "shimin": [("住民基本台帳に関する事務", KIND_FULL, "2015-06-26"),
               ("個人番号カードの交付等に関する事務", KIND_FOCUSED, "2016-01-15")],
    "shiminzei": [("個人住民税の賦課に関する事務", KIND_FULL, "2015-09-30")],
    "hoken": [("国民健康保険に関する事務", KIND_FULL, "2015-08-31")],
    "shogai": [("障害者福祉に関する事務", KIND_FOCUSED, "2015-10-20")],
    "kaigo": [("介護保険に関する事務", KIND_FULL, "2015-09-15")],
    "kosodate": [("児童手当に関する事務", KIND_BASIC, "2015-07-10")],
}


def load(db: Database) -> None:
    """Register the demo 評価書 (skipped for a 課 that already has one); before the demo schedules are made."""
    for code, entries in ASSESSMENTS.items():
        department = db.execute("SELECT id FROM departments WHERE code = ?", [code]).fetchone()
        if department is None or db.execute("SELECT 1 FROM pia_assessments WHERE department_id = ?",
                                            department).fetchone():
            continue
        staff = load_user(db, db.execute("SELECT id FROM users WHERE username = ?", [f"{code}.staff"]).fetchone()[0])
        for name, kind, published_on in entries:
            service.create_assessment(db, department[0], service.AssessmentInput(name, kind, published_on),
                                      user=staff)
