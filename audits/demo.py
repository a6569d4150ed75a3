"""The demo municipality (みどり市, fictional), shared by `flask --app app demo` and the tests.

Running it again is safe: what exists is kept and every demo password is set anew.
Later features add demo answers, audits and findings here.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlite_utils import Database
from werkzeug.security import generate_password_hash

from . import roles
from .activity import service as activity
from .auth import service as users
from .db import transaction
from .departments import agencies
from .departments import service as departments
from .timeutil import now_iso

DEFAULT_PASSWORD = "tenken-demo-2025"


class DemoError(RuntimeError):
    pass


# (部コード, 部名, [(課コード, 課名, tags)])
ORGANISATION: list[tuple[str, str, list[tuple[str, str, list[str]]]]] = [
    ("somu", "総務部", [
        # 総務課 runs the city's privacy office, and pays the members of its 附属機関 (their 個人番号 for the
        # 支払調書: 個人番号関係事務), so the 特定個人情報 items of the privacy office reach it.
        ("soumu", "総務課", ["privacy_office", "mynumber", "web", "fax"]),
        ("bunsho", "文書課", ["privacy_office", "web", "itaku"]),
        ("jinji", "人事課", ["mynumber", "itaku", "system"]),
        ("kikikanri", "危機管理課", ["web", "fax"]),
        ("kansa", "行政監察室", []),
    ]),
    ("kikaku", "企画財政部", [
        ("kikaku", "企画政策課", ["web"]),
        ("digital", "デジタル戦略課", ["system", "server_room", "atena", "network", "itaku", "mynumber"]),
        ("zaisei", "財政課", ["web"]),
        ("shiminzei", "市民税課", ["mynumber", "pia", "atena", "network", "counter", "fax", "itaku", "system", "koyo"]),
        ("shisanzei", "資産税課", ["mynumber", "atena", "counter", "koyo", "itaku"]),
        ("nozei", "納税課", ["mynumber", "atena", "network", "counter", "fax", "koyo", "provision"]),
    ]),
    ("shimin", "市民生活部", [
        ("shimin", "市民課", ["mynumber", "pia", "juki", "atena", "terminal", "network", "koyo", "counter", "fax",
                              "itaku", "system", "provision", "certificate"]),
        ("hoken", "保険年金課", ["mynumber", "pia", "atena", "network", "counter", "fax", "itaku", "provision"]),
        ("chiiki", "地域振興課", ["web"]),
        ("sodan", "市民相談課", ["counter"]),
    ]),
    ("fukushi", "健康福祉部", [
        ("fukushisomu", "福祉総務課", ["mynumber", "atena", "counter"]),
        ("shogai", "障害福祉課", ["mynumber", "pia", "atena", "network", "counter", "fax", "itaku"]),
        ("kaigo", "高齢介護課", ["mynumber", "pia", "atena", "network", "counter", "fax", "itaku", "system"]),
        ("seikatsu", "生活福祉課", ["mynumber", "atena", "network", "koyo", "counter", "fax", "provision"]),
        ("kenko", "健康づくり課", ["mynumber", "atena", "counter", "fax", "itaku", "web"]),
    ]),
    ("kodomo", "子ども未来部", [
        ("kosodate", "子育て支援課", ["mynumber", "pia", "atena", "network", "counter", "fax"]),
        ("hoiku", "保育課", ["mynumber", "atena", "counter", "fax", "itaku"]),
        ("katei", "こども家庭センター", ["koyo", "counter", "fax", "provision"]),
    ]),
    ("kankyo", "環境経済部", [
        ("kankyo", "環境政策課", ["web"]),
        ("gomi", "ごみ対策課", ["counter", "itaku"]),
        ("sangyo", "産業振興課", ["web", "itaku"]),
        ("nosei", "農政課", ["counter"]),
    ]),
    ("toshi", "都市整備部", [
        ("toshikeikaku", "都市計画課", ["web"]),
        ("doro", "道路管理課", ["koyo", "counter"]),
        ("kenchiku", "建築指導課", ["counter", "web"]),
        ("jutaku", "住宅課", ["mynumber", "counter", "itaku"]),
    ]),
    ("kyoiku", "教育部", [
        ("kyoikusomu", "教育総務課", ["web"]),
        ("gakumu", "学務課", ["mynumber", "atena", "counter", "fax"]),
        ("shido", "教育指導課", ["web"]),
        ("gakushu", "生涯学習課", ["web", "counter", "itaku"]),
        ("toshokan", "中央図書館", ["counter", "itaku", "system"]),
    ]),
    ("iinkai", "行政委員会", [
        ("senkyo", "選挙管理委員会事務局", ["juki", "counter", "web"]),
    ]),
]
# The 機関 of the demo's 部 that are not 市長部局 (departments/agencies.py): the 委員会's 定期的な報告 is per 機関.
DEMO_AGENCIES: dict[str, str] = {"kyoiku": agencies.EDUCATION, "iinkai": agencies.ELECTION}

# Family names for the demo staff, so lists read like a real office.
_NAMES = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田", "佐々木",
          "山口", "松本", "井上", "木村", "林", "斎藤", "清水", "山崎", "森", "池田", "橋本", "阿部", "石川", "山下",
          "中島", "石井", "小川", "前田", "岡田", "長谷川", "藤田", "後藤", "近藤", "村上", "遠藤", "青木", "坂本"]


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    departments: tuple[str, ...]
    display_name: str


def demo_users() -> list[DemoUser]:
    """Every demo user: one per organisation-wide role and a manager and a staff user in each 課."""
    people = [
        DemoUser("chief", roles.CHIEF, ("soumu",), "副市長 大森 一郎"),
        DemoUser("auditor", roles.AUDITOR, ("kansa",), "監査責任者 相川 聡子"),
        DemoUser("auditor2", roles.AUDITOR, ("kansa",), "監査員 内田 健"),
        DemoUser("admin", roles.ADMIN, ("digital",), "システム管理者 江口 真理"),
    ]
    index = 0
    for _bureau_code, _bureau_name, sections in ORGANISATION:
        for code, name, _tags in sections:
            family = _NAMES[index % len(_NAMES)]
            other = _NAMES[(index + 17) % len(_NAMES)]
            people.append(DemoUser(f"{code}.manager", roles.MANAGER, (code,), f"{name}長 {family}"))
            people.append(DemoUser(f"{code}.staff", roles.STAFF, (code,), f"{name} 担当 {other}"))
            index += 1
    return people


def demo_email(username: str) -> str:
    """The demo's addresses are in example.jp, a domain reserved for examples: mail to them reaches nobody."""
    return f"{username}@example.jp"


def load(db: Database, *, password: str = DEFAULT_PASSWORD, upload_folder: str | None = None) -> list[DemoUser]:
    """Create the demo organisation, users and records (once) and set every demo password.

    `upload_folder` receives the demo evidence files; without it the demo has no evidence files."""
    if problem := users.password_problem(password):
        raise DemoError(problem)
    hashed = generate_password_hash(password)  # one hash for all demo users keeps loading fast
    people = demo_users()
    from .catalogue.service import sync_builtin

    sync_builtin(db)
    with transaction(db):
        for bureau_code, bureau_name, sections in ORGANISATION:
            for code, name, tags in sections:
                if not db.execute("SELECT 1 FROM departments WHERE code = ?", [code]).fetchone():
                    departments.create_department(db, code, name, bureau_code, tags, bureau_name=bureau_name)
        for bureau_code, agency in DEMO_AGENCIES.items():
            # once: an agency the admin chose since is kept
            db.execute("UPDATE bureaus SET agency = ? WHERE code = ? AND agency = ?", [agency, bureau_code,
                                                                                       agencies.DEFAULT])
        for person in people:
            row = db.execute("SELECT id FROM users WHERE username = ?", [person.username]).fetchone()
            if row is None:
                users.create_user(db, person.username, person.display_name, password, [person.role],
                                  list(person.departments), password_hash=hashed, email=demo_email(person.username))
            else:
                db["users"].update(row[0], {"password_hash": hashed, "active": 1,
                                            "session_token": secrets.token_hex(16), "updated_at": now_iso()})
                db.execute("DELETE FROM login_failures WHERE username = ?", [person.username])
        activity.record(db, "demo.load", detail={"users": len(people)})
    from .schedules import demo as selfcheck_demo

    selfcheck_demo.load(db, upload_folder)
    from .incidents import demo as incident_demo

    incident_demo.load(db)  # the FAX case at 健康づくり課 and three more 漏えい等事案 (skipped when they exist)
    from .audit import demo as audit_demo

    # the audit selected for the FAX case, linked to it, with its issued 監査報告書 (skipped when it exists)
    audit_demo.load(db)
    audit_demo.load_joint(db)  # the joint audit of 市民課 and 保険年金課, sent for 事実確認 (likewise)
    return people
