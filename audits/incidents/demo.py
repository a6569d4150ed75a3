"""Demo incidents of みどり市 (fictional), part of the demo municipality.

1. 健康づくり課 (kenko): the FAX 誤送信 the 令和６年度 audit was selected for, modelled on Setagaya's 報告第371号
   (覚知 令和６年８月５日, 速報 ８月９日, 確報 ９月３日, within 30 days); 判定 confirmed (第１号), two 再発防止策
   done as corrective actions, linked to the checklist items S-06-01/02/05, closed (audit/demo.py links the audit).
2. 市民課 (shimin): 住民票の写しの誤交付, one person, no 号 applies (no report).
3. 保険年金課 (hoken): a lost USB memory with about 230 persons (第４号); 速報 made, the 確報 is overdue.
4. 納税課 (nozei): a staff member who looked up records for no work reason (第３号, 60 days), dated relative to
   the day the demo is loaded so that its 確報 is still pending.
Loading twice changes nothing (an incident whose title exists is skipped).
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlite_utils import Database

from ..auth.service import load_user
from ..timeutil import now
from ..audit import findings
from . import links, service

FAX_TITLE = "個人情報を含む文書の誤送信による漏えいのおそれ"


def _user(db: Database, username: str):
    row = db.execute("SELECT id FROM users WHERE username = ?", [username]).fetchone()
    return load_user(db, row[0]) if row else None


def _department(db: Database, code: str) -> int | None:
    row = db.execute("SELECT id FROM departments WHERE code = ?", [code]).fetchone()
    return row[0] if row else None


def _facts(**values) -> dict:
    base = {key: None for key in service.FIELDS}
    base.update({key: "" for key in ("discovery_how", "medium", "items", "summary", "secondary_harm", "cause",
                                     "prevention", "response_to_persons", "publication")})
    base.update({key: 0 for key in ("persons_estimated", "persons_or_more", "sensitive", "ordinance_sensitive",
                                    "mynumber", "property_damage", "wrongful_purpose")})
    base.update(values)
    return base


def _fax() -> tuple[dict, list[tuple[str, str | None, str]]]:
    facts = _facts(
        title=FAX_TITLE, kind="misdelivery", occurred_on="2024-08-05", discovered_at="2024-08-05T15:18",
        discovery_how="誤送信先の事業者（Ｂ社）から、文書が誤って届いたので廃棄する旨の電話があった。",
        medium="ファクシミリ（課内のコピー・ファクシミリ複合機の短縮ダイヤル）", persons=3,
        items="氏名、生年月日、年齢、性別、続柄、住所、電話番号、メールアドレス、アレルギー・疾病等（法第２条第３項の"
              "「病歴」に該当）、申請内容（申請理由、援助内容等）、家庭の状況",
        sensitive=1,
        summary="産前・産後訪問支援事業に関する申請書等を、健康づくり課から事業所管課（子育て支援課）にファクシミリで"
                "送信する際、送信先の番号を誤ったことにより、保有個人情報の漏えいが発生したおそれがあるもの。"
                "対象は申請書及び決定通知書兼報告書の１件（３人）。",
        secondary_harm="本件文書は、本事案の発覚後Ｂ社が速やかにシュレッダーで廃棄したため、二次被害のおそれはない。",
        cause="複合機に登録されていた短縮ダイヤルの番号を確認したものの、番号入力方法（外部発信は「０」を付ける）を"
              "正確に理解しておらず、登録番号の誤りに気付かないまま送信した。",
        prevention="（１）登録済みの全ての短縮ダイヤルを一斉点検し、送信方法を課内に周知した。\n"
                   "（２）個人情報を含む文書は原則ファクシミリで送らず、庁内はセキュリティフォルダで受け渡す。\n"
                   "（３）ファクシミリで送る場合は個人が特定されないようマスキングし、送付票の番号を複数人で確認する。\n"
                   "（４）複合機の誤送信防止機能（宛先の２回入力）を設定した。",
        response_to_persons="覚知当日に電話で本人に事案を説明して謝罪し、８月７日に訪問して内容・原因・誤送信先・二次被害の"
                            "おそれがないことを説明した。８月１５日に再発防止策を記載した文書を郵送した。",
        publication="公表していない（本人へ通知済み）。",
        preliminary_reported_on="2024-08-09", final_reported_on="2024-09-03", notified_on="2024-08-05",
        notice_kind="notice", council_reported_on="2024-12-13", council_report_number=371)
    events = [
        ("2024-08-05", "15:15", "申請書が提出されたため、事業所管課あてにファクシミリで送信した（至急案件のため事務フローに"
                                "従いファクシミリで提出）。"),
        ("2024-08-05", "15:18", "Ｂ社から、文書が誤送信されているため廃棄するとの電話があった。短縮ダイヤルの登録番号の"
                                "誤りを確認した。"),
        ("2024-08-05", "16:50", "Ｂ社の担当者に謝罪し回収を申し出たところ、見ないよう気を付けながらシュレッダーで廃棄した"
                                "とのことであった。"),
        ("2024-08-05", "18:10", "法第６８条第２項に基づく本人通知として、本人に電話で説明し謝罪した。"),
        ("2024-08-07", "13:30", "本人宅を訪問し、誤送信した文書の内容、原因、誤送信先、二次被害のおそれがないことを説明した。"),
        ("2024-08-09", None, "法施行規則第４３条第１号に該当するため、個人情報保護委員会に速報を行った。"),
        ("2024-08-15", None, "本人に再発防止策などを記載した文書を郵送した。"),
        ("2024-09-03", None, "個人情報保護委員会に確報を行った。"),
    ]
    return facts, events


# The FAX case's 再発防止策 as corrective actions: (measure, due date, what the 課 reported).
FAX_MEASURES = [
    ("登録済みの全ての短縮ダイヤルを一斉点検し、送信方法（外部発信は「０」を付ける）を課内に周知する。", "2024-08-31",
     "８月６日に短縮ダイヤル全件を点検し、不要な１２件を削除した。８月８日の課内会議で送信方法を周知した。"),
    ("複合機の誤送信防止機能（宛先の２回入力）を設定する。", "2024-09-30",
     "８月２０日に事業者が設定を完了し、設定画面の写しを保存した。"),
]
FAX_ITEMS = "S-06-01、S-06-02、S-06-05"  # as the casebook maps Setagaya's case (setagaya-fax-2024)


def _fax_links(db: Database, fax_id: int, chief) -> None:
    """The FAX case's 再発防止策 (reported by the 課, confirmed by the privacy office) and its checklist items."""
    manager = _user(db, "kenko.manager")
    incident = service.load_incident(db, fax_id)
    if manager is None:
        return
    for measure, due, response in FAX_MEASURES:
        action_id = findings.create_incident_action(db, incident, measure=measure,
                                                    department_id=incident["department_ids"][0], due_date=due,
                                                    user=manager)
        action = next(db.query("SELECT * FROM corrective_actions WHERE id = ?", [action_id]))
        findings.submit(db, action, None, response, manager)
        action = next(db.query("SELECT * FROM corrective_actions WHERE id = ?", [action_id]))
        findings.accept(db, action, None, "証跡により実施を確認した。", chief)
    try:
        links.set_items(db, chief, incident, FAX_ITEMS)
    except service.IncidentError:
        pass  # a city without the built-in checklists: no items to link


def _others(today: date) -> list[tuple[str, str, dict, list]]:
    """(課, 登録者, facts, events) of the three other demo incidents."""
    recent = today - timedelta(days=12)
    return [
        ("shimin", "shimin.staff", _facts(
            title="住民票の写しの誤交付", kind="wrong_issue", occurred_on="2026-10-14",
            discovered_at="2026-10-14T16:40", discovery_how="交付を受けた方が窓口に戻り、別人の写しであると申し出た。",
            medium="窓口での交付（紙）", persons=1, items="氏名、生年月日、性別、住所、世帯主との続柄",
            summary="窓口で住民票の写しを交付する際、同姓の別の方の写しを取り違えて交付したもの（デモ用の架空の事案）。",
            secondary_harm="申出者が即日返却し、複写していないことを確認した。二次被害のおそれは低い。",
            cause="交付時の本人確認で、請求書と写しの氏名・生年月日の読み合わせを省略した。",
            prevention="交付時に請求書と写しを請求者と共に読み合わせる手順を徹底する。",
            response_to_persons="本人に電話で説明し謝罪した。", notified_on="2026-10-15", notice_kind="notice"),
         [("2026-10-14", "16:40", "誤交付の申出を受け、写しを回収した。"),
          ("2026-10-15", "10:00", "本人に電話で説明し謝罪した。")]),
        ("hoken", "hoken.staff", _facts(
            title="支給申請勧奨通知の発送データを保存したＵＳＢメモリの紛失", kind="loss_theft",
            occurred_on=None, discovered_at="2026-09-24T09:30",
            discovery_how="委託事業者への受け渡しの準備中に、保管庫にないことに職員が気付いた。",
            medium="ＵＳＢメモリ（暗号化なし）", persons=230, persons_estimated=1,
            items="氏名、住所、被保険者記号番号、療養月、支給見込額",
            summary="高額療養費の支給申請勧奨通知の発送データを保存したＵＳＢメモリが所在不明となったもの"
                    "（デモ用の架空の事案）。",
            secondary_harm="現時点で被害の申出はない。拾得の届出の有無を警察に照会中。",
            cause="持出し簿への記録をせずに記録媒体を執務室外に持ち出していた。",
            prevention="記録媒体の持出しを課長の承認制とし、暗号化機能付きの媒体に限る。",
            response_to_persons="対象者への通知文を準備中。", preliminary_reported_on="2026-09-29"),
         [("2026-09-24", "09:30", "ＵＳＢメモリが保管庫にないことに気付き、課内と庁舎内を捜索した。"),
          ("2026-09-29", None, "施行規則第４３条第４号に該当するため、個人情報保護委員会に速報を行った。")]),
        ("nozei", "nozei.manager", _facts(
            title="職員による業務外の目的での滞納情報の閲覧", kind="staff_misuse",
            occurred_on=(recent - timedelta(days=40)).isoformat(), discovered_at=f"{recent.isoformat()}T11:00",
            discovery_how="システムのアクセスログの月次点検で、担当外の照会が繰り返されていることに気付いた。",
            medium="滞納管理システムの照会画面", persons=4,
            items="氏名、住所、滞納額、納付状況", wrongful_purpose=1,
            summary="職員が業務上の必要がないのに知人の滞納情報を照会していたもの（デモ用の架空の事案）。",
            secondary_harm="照会した情報を外部に提供したかは調査中。",
            cause="照会権限が課内の全職員に付与されており、照会理由の記録を求めていなかった。",
            prevention="照会権限を担当者に限り、照会理由の入力とアクセスログの週次点検を行う。",
            response_to_persons="４人に通知した。",
            preliminary_reported_on=(recent + timedelta(days=3)).isoformat(),
            notified_on=(recent + timedelta(days=4)).isoformat(), notice_kind="notice"),
         [(recent.isoformat(), "11:00", "アクセスログの点検で不審な照会を発見し、課長に報告した。"),
          ((recent + timedelta(days=3)).isoformat(), None,
           "施行規則第４３条第３号に該当するため、個人情報保護委員会に速報を行った。")]),
    ]


def _add(db: Database, username: str, code: str, facts: dict, events: list) -> int | None:
    if db.execute("SELECT 1 FROM incidents WHERE title = ?", [facts["title"]]).fetchone():
        return None
    user, department_id = _user(db, username), _department(db, code)
    if user is None or department_id is None:
        return None
    incident_id = service.create(db, user, facts, [department_id])
    incident = service.load_incident(db, incident_id)
    for on_date, at_time, text in events:
        service.add_event(db, user, incident, date.fromisoformat(on_date), at_time, text)
    return incident_id


def load(db: Database) -> None:
    facts, events = _fax()
    fax_id = _add(db, "kenko.staff", "kenko", facts, events)
    chief = _user(db, "chief")
    if fax_id and chief:
        service.confirm_judgement(db, chief, fax_id, {1}, None,
                                  "本件文書にアレルギー・疾病等（病歴）が記載されており、要配慮個人情報の漏えいのおそれに"
                                  "当たるため、施行規則第４３条第１号に該当する。")
        _fax_links(db, fax_id, chief)
        service.close(db, chief, service.load_incident(db, fax_id))
    for code, username, other_facts, other_events in _others(now().date()):
        _add(db, username, code, other_facts, other_events)
