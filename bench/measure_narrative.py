"""How much of the proposed ５ and ６ an auditor still has to rewrite: the demo's Setagaya-like audit (健康づくり課,
令和６年度) is recorded from its facts only (results, notes, findings, the linked incident: audits/audit/demo.py),
the report's ５ (総括 and each 監査項目) and ６ are proposed from them (audits/audit/narrative.py), and each is
compared with the text an auditor would issue (bench/narrative_target.py, written from the Setagaya seed).

The share to rewrite of a part is 1 − difflib's ratio (matching characters × 2 / both lengths), weighted by the
target's length for the total. `python -m bench.measure_narrative` builds a fresh demo database and prints it.
"""
from __future__ import annotations

import difflib
import re
import sys
import tempfile
from pathlib import Path

from sqlite_utils import Database

from . import narrative_target as target


def _plain(text: str) -> str:
    """Compare words, not layout: blank lines and spaces left out."""
    return re.sub(r"\s+", "", text or "")


def rewrite_share(proposed: str, wanted: str) -> float:
    return 1 - difflib.SequenceMatcher(None, _plain(proposed), _plain(wanted), autojunk=False).ratio()


def measure(db: Database, municipality: str = "みどり市") -> dict:
    """{'parts': [(name, share to rewrite, target length)], 'section5': share, 'section6': share, 'total': share}
    for the demo audit of 健康づくり課 (audits/audit/demo.py), proposed afresh from its recorded facts."""
    from audits.audit import demo, drafting
    from audits.audit.permissions import load_audit

    audit_id = db.execute("""SELECT a.id FROM audits a JOIN audit_departments ad ON ad.audit_id = a.id
                             JOIN departments d ON d.id = ad.department_id
                             WHERE d.code = ? AND a.fiscal_year = ?""", [demo.CODE, demo.YEAR]).fetchone()[0]
    proposed = drafting.proposals(db, load_audit(db, audit_id), municipality)
    topics = list(proposed["topics"].values())
    pairs = [("５ 総括", proposed["conclusion"], target.CONCLUSION)]
    pairs += [(f"５（{n}）", text, wanted) for n, (text, wanted) in enumerate(zip(topics, target.TOPIC_TEXTS), 1)]
    pairs.append(("６ 終わりに", proposed["closing"], target.CLOSING))
    parts = [(name, rewrite_share(text, wanted), len(_plain(wanted))) for name, text, wanted in pairs]

    def weighted(chosen) -> float:
        return sum(share * size for _n, share, size in chosen) / sum(size for _n, _s, size in chosen)

    return {"parts": parts, "section5": weighted([p for p in parts if p[0].startswith("５")]),
            "section6": weighted([p for p in parts if p[0].startswith("６")]), "total": weighted(parts)}


def main() -> int:
    from app import create_app
    from audits import demo
    from audits.db import connect, init_db

    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "demo.db")
        app = create_app({"TESTING": True, "SECRET_KEY": "measure", "DATABASE": path,
                          "UPLOAD_FOLDER": str(Path(folder) / "uploads")})
        with app.app_context():
            init_db(path)
            db = connect(path)
            demo.load(db, upload_folder=str(Path(folder) / "uploads"))
            result = measure(db)
            db.conn.close()
    for name, share, size in result["parts"]:
        print(f"{name}\t書き直しが必要な割合 {share:.0%}\t（目標の文 {size} 字）")
    print(f"５ {result['section5']:.0%}、６ {result['section6']:.0%}、５と６の合計 {result['total']:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
