"""Demo audits.

1. Modelled on Setagaya's 報告資料No.6-2: the FAX 誤送信 at 健康づくり課 (kenko),令和６年度. The visit on
   令和７年２月２６日（水）checks the improvements after the incident on site and finds one problem
   (文書保存箱の廃棄年月日, a 指摘) and one 要望 (the FAX still used with some bodies); the report's ５ and ６ are
   the proposal drafted from those facts (narrative.py), as the auditor would start from it; it went through
   事実確認 and was issued, and the 課 has reported its improvement.
2. A joint audit of two 課,令和７年度: 市民課 (shimin) and 保険年金課 (hoken), theme マイナンバーを取り扱う
   窓口事務, each 課 visited on its own (same day, morning and afternoon), some checks recorded, one finding
   per 課 (市民課's under a 監査項目, 保険年金課's in 「その他の事項」), both 課 weak on the same item (the screen
   lock: ６ names it as shared); the draft, proposed from the facts, was sent for 事実確認 and
   市民課 has commented (answered).

Loading twice changes nothing.
"""
from __future__ import annotations

from sqlite_utils import Database

from ..auth.service import load_user
from ..db import transaction
from ..incidents import links as incident_links
from ..incidents.demo import FAX_TITLE as FAX_INCIDENT
from ..revisions import UNCHECKED
from . import drafting, findings, plans, values, visits, workflow

YEAR = 2024
CODE = "kenko"

THEME = ("個人情報の保護に関する法律（以下「法」という。）第６８条の規定に基づき、国（個人情報保護委員会）に"
         "報告すべき漏えい等の事態が生じた事案に係る所管課に対し、その改善状況について確認するとともに、"
         "当該所管課に対して保有個人情報を取り扱う事務についてみどり市個人情報保護管理基準（以下「管理基準」という。）"
         "に即した方法で行っているかどうかについて確認する。")
REASON = ("上記監査対象課は、令和６年８月に、関係課に対して送付すべき文書（紙の申請書）をファクシミリで送信する際、"
          "送信先の番号を誤ったことにより、当該文書を実施機関外の事業者に誤送付した。\n\n"
          "本件事案において、誤送付した文書には市民のアレルギー・疾病等の情報が記載されていた。また、当該事業者から"
          "はすぐに当該文書を廃棄した旨の連絡があったものの、第三者に閲覧されることなく廃棄されたとまでは断定できない"
          "状況であった。以上のことから、本件は要配慮個人情報の漏えいのおそれに該当すると判断し、法第６８条の規定に"
          "基づき、国（個人情報保護委員会）に報告した。\n\n"
          "本件監査においては、本件事案発生後の事務における改善策等について検証する必要があることから、同課を"
          "監査対象課として選定することとした。")
PLACES = ["健康福祉部健康づくり課 ３階会議室及び執務室", "本庁舎地下１階文書庫"]
TOPICS = ["漏えい等が生じた保有個人情報に係る事務の改善状況の確認", "保有個人情報の取扱状況及び保存・保管状況の確認"]
# (topic index, item id, 確認結果, note): what the auditor wrote down on site, item by item.
CHECKS = [
    (0, "S-06-01", values.RESULT_PROPER, "本件事案に係る事務において個人情報の授受を行う際には、ファクシミリによる方法を"
     "廃止し、セキュリティフォルダを使用する方法に改善がなされていた"),
    (0, "S-06-03", values.RESULT_PROPER, "ファクシミリ複合機に、宛先の２回入力を求める誤送信防止機能が設定され、注意書き等を"
     "記した貼り紙がされていた"),
    (0, "S-06-02", values.RESULT_PROPER, "短縮登録の一斉点検が行われ、不要な連絡先を削除した上で、すべての短縮登録番号が"
     "「０」発信となっていた"),
    (0, "G-12-04", values.RESULT_PROPER, "本件事案の覚知の翌営業日に所管課へ報告し、国に対する報告（速報）を覚知の４日後に"
     "行っており、漏えい等の事故が発生した際の対応を事前に理解し、実践できていた"),
    (0, "G-01-04", values.RESULT_MOSTLY_PROPER, "聴き取り調査の中で課の個人情報保護管理者が誰であるかについて質問した"
     "ところ、即座に「所管課長である」との回答があり、市の個人情報保護体制について理解している"),
    (1, "G-04-01", values.RESULT_PROPER, "個人情報を含む文書は施錠可能なキャビネット又は文書庫に保管されていた"),
    (1, "G-04-03", values.RESULT_PROPER, "廃棄文書はシュレッダー又は溶解により適切に廃棄されていた"),
    (1, "G-08-04", values.RESULT_PROPER, "事務用端末は盗難防止措置又は施錠可能なキャビネットへの保管が行われていた"),
    (1, "G-04-06", values.RESULT_NEEDS_IMPROVEMENT, "地下１階文書庫の過年度文書の文書保存箱に、保存期間満了の１年前の"
     "廃棄年月日の記載があった"),
]
FINDING = {
    "title": "地下１階文書庫における監査対象課の過年度文書に係る文書保存箱において、廃棄年月日に誤記載があり、"
             "保存期間満了の１年前に廃棄をする旨の表示がされているものが見受けられた",
    "clause": "事務対応ガイド4-8-5（廃棄等）、みどり市文書管理規程",
    "severity": values.MEDIUM, "request_kind": values.REQUEST_IMPROVEMENT,
    "request": "文書の保存期間は文書の作成年度の翌年度から起算されることに留意し、適正な廃棄年月日を記載する",
}
# A 要望 (no deadline, no corrective action) under the first 監査項目.
WISH = {
    "title": "特定の機関では連絡手段がファクシミリに限定されている事務が残存しているとの回答があった",
    "clause": "", "severity": values.LOW, "request_kind": values.REQUEST_WISH, "wish_ending": values.ENDING_EFFORT,
    "request": "これらの事務がファクシミリによらなければならないかについて引き続き検討するとともに、少なくとも庁内に"
               "おける外線を用いたファクシミリは使用しないこととする",
}
NOTES = ("【聴き取り】課長・保護担当者（係長）ほか１名。短縮ダイヤルは事案当日中に全件点検し、不要な１２件を削除。"
         "外部機関（医療機関２か所）との連絡は先方の事情でFAXが残る。課の保護管理者を問うと即答あり。")


def _user(db: Database, username: str):
    row = db.execute("SELECT id FROM users WHERE username = ?", [username]).fetchone()
    return load_user(db, row[0]) if row else None


def load(db: Database, municipality: str = "みどり市") -> int | None:
    """Create the demo audit once; returns its id (None when the demo 課 or users are missing)."""
    department = db.execute("SELECT id FROM departments WHERE code = ?", [CODE]).fetchone()
    lead, member, manager = _user(db, "auditor"), _user(db, "auditor2"), _user(db, f"{CODE}.manager")
    if department is None or lead is None or member is None or manager is None:
        return None
    existing = db.execute("""SELECT a.id FROM audits a JOIN audit_departments ad ON ad.audit_id = a.id
                             WHERE ad.department_id = ? AND a.fiscal_year = ?""", [department[0], YEAR]).fetchone()
    if existing:
        return existing[0]
    with transaction(db):
        plan_id = plans.save_plan(db, YEAR, theme=THEME, basis="個人情報保護条例", notes="", user=lead)
        plans.set_target(db, plan_id, department[0], REASON)
        if not plans.list_cycles(db):
            cycle_id = plans.save_cycle(db, title="中期監査計画（令和6年度～令和8年度）", start_year=2024,
                                        end_year=2026, notes="３年間で全ての課を一巡する。", user=lead)
            plans.set_planned_years(db, cycle_id, {department[0]: 2024})
        audit_id = visits.create_audit(db, fiscal_year=YEAR, department_ids=[department[0]],
                                       auditor_ids=[lead.id, member.id], lead_id=lead.id, theme=THEME,
                                       selection_reason=REASON, user=lead, plan_id=plan_id)
        fax = db.execute("SELECT id FROM incidents WHERE title = ?", [FAX_INCIDENT]).fetchone()
        if fax:
            incident_links.link_audit(db, audit_id, fax[0], lead)  # its report is the 監査報告書's annex
        audit = _load(db, audit_id)
        visits.update_record(db, audit, fields={"started_at": "2025-02-26T15:00:00+09:00",
                                                "ended_at": "2025-02-26T16:20:00+09:00",
                                                "attendees": "健康づくり課長、保護担当者（係長）ほか１名"},
                             places=PLACES, methods=["documents", "interview", "site"], user=lead)
        topic_ids = [visits.add_topic(db, audit, title) for title in TOPICS]
        items = {row["item_id"]: row["id"] for row in visits.candidate_items(db, audit)}
        for topic_index, item_id, result, note in CHECKS:
            if item_id not in items:
                continue
            visits.add_checks(db, audit, [items[item_id]], topic_ids[topic_index], lead)
            check_id = db.execute("SELECT id FROM audit_checks WHERE audit_id = ? AND item_pk = ?",
                                  [audit_id, items[item_id]]).fetchone()[0]
            visits.save_check(db, audit, check_id, result=result, note=note, topic_id=topic_ids[topic_index],
                              revision=UNCHECKED, user=lead)
            if item_id == "G-04-06":
                findings.create_finding(db, audit, FINDING, due_date="2025-05-30", user=lead, check_id=check_id,
                                        topic_id=topic_ids[1])
        if not db.execute("SELECT 1 FROM audit_findings WHERE audit_id = ?", [audit_id]).fetchone():
            findings.create_finding(db, audit, FINDING, due_date="2025-05-30", user=lead, topic_id=topic_ids[1])
        findings.create_finding(db, audit, WISH, due_date=None, user=lead, topic_id=topic_ids[0])
        visits.save_notes(db, _load(db, audit_id), NOTES, lead)
        drafting.apply_proposals(db, _load(db, audit_id), lead, municipality=municipality)
        workflow.send_for_fact_check(db, _load(db, audit_id), lead)
        comment_id = workflow.add_comment(
            db, _load(db, audit_id), "５（１）①の電子申請への移行は、令和７年７月受付分からの予定です。", manager)
        workflow.respond(db, _load(db, audit_id), comment_id,
                         "ご確認ありがとうございます。移行時期は改善措置の報告で確認します。本文は「予定」のままとします。",
                         lead)
        db.execute("UPDATE audits SET fact_check_sent_at = '2025-03-10T10:00:00+09:00' WHERE id = ?", [audit_id])
        db.execute("UPDATE audit_fact_check_sends SET sent_at = '2025-03-10T10:00:00+09:00', due_date = '2025-03-19' "
                   "WHERE audit_id = ?", [audit_id])
        workflow.issue(db, _load(db, audit_id), lead, municipality, issued_at="2025-03-24T10:00:00+09:00")
        action = next(db.query("""SELECT ca.* FROM corrective_actions ca JOIN audit_findings f ON f.id = ca.finding_id
                                  WHERE f.audit_id = ?""", [audit_id]))
        findings.submit(db, action, _load(db, audit_id),
                        "文書庫の当課の文書保存箱を全数点検し、誤記載のあった３箱の廃棄年月日を訂正した。"
                        "課内で起算方法を周知し、保存箱の記載を保護担当者が確認してから保管する手順とした。", manager)
    return audit_id


JOINT_YEAR = 2025
JOINT_CODES = ("shimin", "hoken")
JOINT_THEME = ("マイナンバーカードの交付や個人番号を記載した申請書の受付等、特定個人情報を取り扱う窓口事務について、"
               "本人確認、申請書類の管理及び窓口端末の操作が、みどり市個人情報保護管理基準（以下「管理基準」という。）"
               "及び特定個人情報の適正な取扱いに関するガイドラインに即して行われているかどうかについて確認する。")
JOINT_REASON = ("市民課及び保険年金課は、個人番号を記載した申請書を日常的に窓口で受け付け、マイナンバーカードの交付や"
                "資格確認等の個人番号利用事務を行っている。両課は同じ庁舎１階の窓口で来庁者に対応し、同じ記載台を"
                "共用していることから、窓口事務を一体として確認するため、両課を合同で監査対象課として選定した。")
JOINT_TOPICS = ["窓口における本人確認及び申請書類の取扱いの確認", "窓口端末の操作及び管理状況の確認"]
# (課 code, topic index, item id, 確認結果, note)
JOINT_CHECKS = [
    ("shimin", 0, "G-05-04", values.RESULT_PROPER, "カードの交付時に、申請者に氏名と生年月日を述べてもらい、書類と照合してから渡していた"),
    ("shimin", 0, "G-04-01", values.RESULT_PROPER, "受け付けた申請書は、窓口後方の施錠できるキャビネットに当日中に収納されていた"),
    ("shimin", 1, "G-08-06", values.RESULT_PROPER, ""),
    ("shimin", 1, "G-08-05", values.RESULT_NEEDS_IMPROVEMENT, "交付窓口の端末で、離席時に画面がロックされていない時間があった"),
    ("hoken", 0, "G-04-01", values.RESULT_PROPER, "申請書は受付後ただちに受付簿に記録され、施錠できる書庫に保管されていた"),
    ("hoken", 1, "G-08-05", values.RESULT_NEEDS_IMPROVEMENT,
     "離席時の画面ロックは徹底されていたが、自動ロックまでの時間が端末により異なっていた"),
]
JOINT_WHEN = {"shimin": ("2026-01-20T10:00:00+09:00", "2026-01-20T11:30:00+09:00", ["本庁舎１階窓口及び執務室"]),
              "hoken": ("2026-01-20T14:00:00+09:00", "2026-01-20T15:20:00+09:00", ["本庁舎１階窓口及び２階書庫"])}
JOINT_FINDINGS = {
    "shimin": {"title": "マイナンバーカード交付窓口の端末で、職員の離席時に画面がロックされていない時間が見受けられた",
               "clause": "番号法ガイドライン 別添1 2-C-b", "severity": values.HIGH, "request_kind": values.REQUEST_IMPROVEMENT,
               "request": "離席時には必ず画面をロックし、保護担当者が定期的に確認する"},
    "hoken": {"title": "窓口の記載台に、前の来庁者が書き損じた申請書（個人番号の記載あり）が残されていた",
              "clause": "事務対応ガイド 4-8-5", "severity": values.MEDIUM, "request_kind": values.REQUEST_IMPROVEMENT,
              "request": "記載台を定期的に確認し、書き損じた申請書は回収して確実に廃棄する"},
}


def load_joint(db: Database, municipality: str = "みどり市") -> int | None:
    """Create the joint audit of 市民課 and 保険年金課 once (sent for 事実確認); returns its id."""
    ids = {code: row[0] for code in JOINT_CODES
           if (row := db.execute("SELECT id FROM departments WHERE code = ?", [code]).fetchone())}
    lead, member = _user(db, "auditor"), _user(db, "auditor2")
    commenter = _user(db, "shimin.manager")
    if len(ids) < len(JOINT_CODES) or lead is None or member is None or commenter is None:
        return None
    existing = db.execute("""SELECT a.id FROM audits a JOIN audit_departments ad ON ad.audit_id = a.id
                             WHERE ad.department_id = ? AND a.fiscal_year = ? AND a.theme = ?""",
                          [ids["shimin"], JOINT_YEAR, JOINT_THEME]).fetchone()
    if existing:
        return existing[0]
    with transaction(db):
        plan_id = plans.save_plan(db, JOINT_YEAR, theme=JOINT_THEME, basis="個人情報保護条例", notes="", user=lead) \
            if plans.get_plan(db, JOINT_YEAR) is None else plans.get_plan(db, JOINT_YEAR)["id"]
        for code in JOINT_CODES:
            plans.set_target(db, plan_id, ids[code], JOINT_REASON)
        audit_id = visits.create_audit(db, fiscal_year=JOINT_YEAR, department_ids=[ids[c] for c in JOINT_CODES],
                                       auditor_ids=[lead.id, member.id], lead_id=lead.id, theme=JOINT_THEME,
                                       selection_reason=JOINT_REASON, user=lead, plan_id=plan_id)
        visits.update_record(db, _load(db, audit_id), fields={
            "started_at": JOINT_WHEN["shimin"][0], "ended_at": JOINT_WHEN["hoken"][1],
            "attendees": "市民課長、保険年金課長、各課の保護担当者（係長）"},
            places=["本庁舎１階 市民課・保険年金課窓口"], methods=["documents", "interview", "site"], user=lead)
        for code, (start, end, places) in JOINT_WHEN.items():
            visits.update_department_record(db, _load(db, audit_id), ids[code], started_at=start, ended_at=end,
                                            places=places, user=lead)
        topic_ids = [visits.add_topic(db, _load(db, audit_id), title) for title in JOINT_TOPICS]
        for code, topic_index, item_id, result, note in JOINT_CHECKS:
            audit = _load(db, audit_id)
            items = {row["item_id"]: row["id"] for row in visits.candidate_items(db, audit, ids[code])}
            if item_id not in items:
                continue
            visits.add_checks(db, audit, [items[item_id]], topic_ids[topic_index], lead, ids[code])
            check_id = db.execute("""SELECT id FROM audit_checks WHERE audit_id = ? AND department_id = ?
                                     AND item_pk = ?""", [audit_id, ids[code], items[item_id]]).fetchone()[0]
            visits.save_check(db, audit, check_id, result=result, note=note, topic_id=topic_ids[topic_index],
                              revision=UNCHECKED, user=lead)
        shimin_check = db.execute("""SELECT id FROM audit_checks WHERE audit_id = ? AND department_id = ?
                                     AND result = ?""", [audit_id, ids["shimin"], values.RESULT_NEEDS_IMPROVEMENT]).fetchone()
        findings.create_finding(db, _load(db, audit_id), JOINT_FINDINGS["shimin"], due_date="2027-03-31", user=lead,
                                check_id=shimin_check[0] if shimin_check else None,
                                topic_id=None if shimin_check else topic_ids[1], department_id=ids["shimin"])
        findings.create_finding(db, _load(db, audit_id), JOINT_FINDINGS["hoken"], due_date="2027-03-31", user=lead,
                                department_id=ids["hoken"])          # not under a 監査項目: 「その他の事項」
        visits.save_notes(db, _load(db, audit_id), "【聴き取り】市民課長ほか２名。交付窓口は繁忙期に職員が頻繁に"
                          "離席し、端末のロックは各自に任されている。", lead, ids["shimin"])
        visits.save_notes(db, _load(db, audit_id), "【聴き取り】保険年金課長ほか１名。記載台の確認は閉庁後のみ。",
                          lead, ids["hoken"])
        drafting.apply_proposals(db, _load(db, audit_id), lead, municipality=municipality)
        workflow.send_for_fact_check(db, _load(db, audit_id), lead)
        db.execute("UPDATE audits SET fact_check_sent_at = '2026-02-09T10:00:00+09:00' WHERE id = ?", [audit_id])
        db.execute("UPDATE audit_fact_check_sends SET sent_at = '2026-02-09T10:00:00+09:00', due_date = '2026-02-20' "
                   "WHERE audit_id = ?", [audit_id])
        comment_id = workflow.add_comment(db, _load(db, audit_id),
                                          "別表の G-08-05 について、交付窓口の端末は令和８年２月から自動ロックを"
                                          "５分に設定しました。", commenter, ids["shimin"])
        workflow.respond(db, _load(db, audit_id), comment_id,
                         "ご確認ありがとうございます。設定の変更は改善措置の報告で確認します。", lead)
    return audit_id


def _load(db: Database, audit_id: int) -> dict:
    from .permissions import load_audit

    return load_audit(db, audit_id)
