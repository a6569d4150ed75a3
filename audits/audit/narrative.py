"""The proposed prose of the 監査報告書's ５ and ６, in the manner of Setagaya's 報告資料No.6-2.

- ５ 総括 (`conclusion`): one judgment per 観点, each ending 「…と判断する。」: the 改善策 after the incidents the
  audit was planned from (its 監査項目 about the incident), and the 事務 generally (the other 監査項目); with
  several 課, the 事務 of each 課. The grade comes from the 確認結果 (`grade`).
- ５ per 監査項目 (`topic_text`): what was confirmed (the notes of the checks linked to the 監査項目, 「…ことを
  確認した。」), then each finding (「…が見受けられた。…よう取り組まれたい。」, a 要望 ending as the auditor chose);
  no item ids, no checklist sections as headings. With several 課 every sentence names its 課, so that the
  draft each 課 reads during 事実確認 (drafting.for_departments) keeps exactly its own sentences.
- ６ 終わりに (`closing`): the incidents behind the audit, the weaknesses several audited 課 of the 年度 shared,
  training (the 年度's self-check answers on training), and what the city should do next.

Everything here is a proposal: drafting.apply_proposals puts it into the fields the auditor then edits.
"""
from __future__ import annotations

import re

from sqlite_utils import Database

from ..summary import scoring
from . import values

_VERB_ENDINGS = tuple("るすうくぐむぶつぬ")
_DONE_ENDINGS = ("た", "る", "いる", "ない", "ある")
JOIN_UP_TO = 100        # two notes make one sentence when together no longer than this (characters)
SENTENCES_A_PARAGRAPH = 2
# 監査項目 about the incident the audit was planned from (its 改善策), told by their words.
INCIDENT_TOPIC_WORDS = ("漏えい", "事案", "改善状況", "再発")
# The self-check items about training that ６ quotes, by checklist item id: the share of staff trained
# (general checklist, percent) and the staff not trained in 特定個人情報 (My Number checklist, a measurement).
TRAINING_RATE_ITEM, UNTRAINED_ITEM = "G-02-01", "M-08-03"
WEAK_RESULTS = (values.RESULT_NEEDS_IMPROVEMENT, values.RESULT_IMPROPER)


def strip_period(text: str | None) -> str:
    return (text or "").strip().rstrip("。").strip()


# ----------------------------------------------------------------------------- ５ 総括

def grade(results) -> str | None:
    """The judgment on a group of 確認結果: 'proper', 'mostly_proper' or 'improper' (None: nothing checked)."""
    checked = [r for r in results if r != values.RESULT_UNCHECKED]
    if not checked:
        return None
    if values.RESULT_IMPROPER in checked:
        return values.RESULT_IMPROPER
    if all(r == values.RESULT_PROPER for r in checked):
        return values.RESULT_PROPER
    return values.RESULT_MOSTLY_PROPER


_MEASURES_JUDGED = {values.RESULT_PROPER: "適正であると判断する",
                    values.RESULT_MOSTLY_PROPER: "概ね適正であると判断する",
                    values.RESULT_IMPROPER: "なお不十分な点が認められ、一層の改善を要するものと判断する"}
_WORK_JUDGED = {values.RESULT_PROPER: "適正に行われていると判断する",
                values.RESULT_MOSTLY_PROPER: "概ね適正に行われていると判断する",
                values.RESULT_IMPROPER: "一部に不適正な取扱いが認められ、改善を要するものと判断する"}


def is_incident_topic(title: str) -> bool:
    return any(word in (title or "") for word in INCIDENT_TOPIC_WORDS)


def incident_topic_ids(topics: list[dict], has_incident: bool) -> set[int]:
    """The 監査項目 that examine the 改善策 after the incident: those named so, else the first one."""
    if not has_incident or not topics:
        return set()
    named = {t["id"] for t in topics if is_incident_topic(t["title"])}
    return named or {topics[0]["id"]}


def conclusion(audit: dict, topics: list[dict], checks: list[dict], has_incident: bool) -> str:
    """「本件事案発生後に…改善策等については、概ね適正であると判断する。また、…事務についても…と判断する。
    以下にその理由を記載する。」: one judgment per 観点."""
    multi = bool(audit.get("multi"))
    measures = incident_topic_ids(topics, has_incident)
    sentences = []
    measure_grade = grade(c["result"] for c in checks if c["topic_id"] in measures)
    if measures:
        subject = "各監査対象課" if multi else "監査対象課"
        sentences.append(f"本件事案発生後に{subject}が策定し、実施した改善策等については、"
                         f"{_MEASURES_JUDGED[measure_grade or values.RESULT_MOSTLY_PROPER]}。")
    rest = [c for c in checks if c["topic_id"] not in measures]
    also = "また、" if sentences else ""
    if multi:           # the 課 judged alike share one sentence (it names each of them)
        judged: dict[str, list[str]] = {}
        for department in audit["departments"]:
            own = grade(c["result"] for c in rest if c["department_id"] == department["department_id"])
            if own or not measures:
                judged.setdefault(own or values.RESULT_MOSTLY_PROPER, []).append(department["name"])
        for judgment, names in judged.items():
            both = "いずれも" if len(names) > 1 else ""
            sentences.append(f"{also}{'及び'.join(names)}における保有個人情報を取り扱う事務については、"
                             f"{both}{_WORK_JUDGED[judgment]}。")
            also = ""
    elif rest or not measures:
        particle = "についても" if also else "については、"
        sentences.append(f"{also}監査対象課における保有個人情報を取り扱う事務{particle}"
                         f"{_WORK_JUDGED[grade(c['result'] for c in rest) or values.RESULT_MOSTLY_PROPER]}。")
    return "".join(sentences) + "以下にその理由を記載する。"


# ----------------------------------------------------------------------------- ５ per 監査項目

def _subject(department_name: str | None) -> str:
    return department_name or "監査対象課"


_CONTINUATIONS = (("ていた", "ており"), ("ている", "ており"), ("があった", "があり"), ("であった", "であり"))


def _continued(note: str) -> str | None:
    """「…保管されていた」 -> 「…保管されており」 (to join two notes in one sentence); None when it does not end so."""
    for ending, joined in _CONTINUATIONS:
        if note.endswith(ending):
            return note[: -len(ending)] + joined
    return None


def confirmed_sentences(checks: list[dict], department_name: str | None = None) -> list[str]:
    """Checks found 適正/概ね適正 with a note: 「…されており、…ていたことを確認した。」, two notes a sentence
    where the first one can run on; 「市民課では、…」 with several 課."""
    head = f"{department_name}では、" if department_name else ""
    notes = [strip_period(c["note"]) for c in checks]
    out, n = [], 0
    while n < len(notes):
        note, first = notes[n], None
        if n + 1 < len(notes) and (first := _continued(note)) and notes[n + 1].endswith(_DONE_ENDINGS) \
                and len(note) + len(notes[n + 1]) <= JOIN_UP_TO:
            note, n = f"{first}、{notes[n + 1]}", n + 1
        n += 1
        out.append(f"{head}{note}ことを確認した。" if note.endswith(_DONE_ENDINGS) else f"{head}{note}について確認した。")
    return out


def _unnoted_sentence(checks: list[dict], department_name: str | None, also: bool) -> str:
    """Checks found good without a note: their (human) section titles, 「…についても、…確認した。」."""
    titles = "、".join(dict.fromkeys(c["section_title"] for c in checks))
    manner = "適正に" if all(c["result"] == values.RESULT_PROPER for c in checks) else "概ね適正に"
    head = f"{department_name}では、" if department_name else ""
    return f"{head}{titles}{'についても' if also else 'については'}、自己点検の回答のとおり{manner}取り扱われている" \
           "ことを確認した。"


def request_sentence(finding: dict, department_name: str | None = None) -> str:
    """What the 課 is asked: 「監査対象課においては、…よう取り組まれたい。」; a 要望 ends as the auditor chose
    (「…よう努めていただきたい。」 or 「…よう取り組まれたい。」)."""
    request = strip_period(finding["request"])
    if finding["request_kind"] == values.REQUEST_WISH:
        ending = values.WISH_ENDING_LABELS.get(finding.get("wish_ending") or values.DEFAULT_WISH_ENDING)
        request = re.sub(r"されたい$", "する", request)          # 「…を更新されたい」: the auditor's ending wins
        request = re.sub(r"(よう|に)?(努め(られ|ていただき)たい|取り組まれたい|願いたい)$", "", request)
        asked = f"{request}よう{ending}。" if request.endswith(_VERB_ENDINGS) else f"{request}に{ending}。"
    elif request.endswith("たい"):
        asked = f"{request}。"
    elif request.endswith(_VERB_ENDINGS):
        asked = f"{request}よう取り組まれたい。"
    else:
        asked = f"{request}に取り組まれたい。"
    return f"{_subject(department_name)}においては、{asked}"


def finding_sentence(finding: dict, department_name: str | None = None, *, after_confirmed: bool = False) -> str:
    """「一方、…が見受けられた。監査対象課においては、…」; with several 課 both sentences name the 課."""
    title = strip_period(finding["title"])
    found = f"{title}。" if title.endswith(("た", "る", "い", "ない")) else f"{title}が見受けられた。"
    head = f"{department_name}では、" if department_name else (
        "一方、" if after_confirmed and not title.startswith(("一方", "また", "なお")) else "")
    return f"{head}{found}{request_sentence(finding, department_name)}"


def _weak_check_sentence(check: dict, department_name: str | None) -> str:
    """A check found 要改善/不適正 that no finding covers: what was seen."""
    note = strip_period(check["note"]) or f"{check['section_title']}の取扱いに改善を要する点"
    head = f"{department_name}では、" if department_name else ""
    return f"{head}{note}。" if note.endswith(("た", "る", "い")) else f"{head}{note}が見受けられた。"


def topic_text(checks: list[dict], topic_findings: list[dict], multi: bool = False) -> str:
    """The proposed text of one 監査項目 from the checks and findings linked to it, paragraphs split by a blank
    line: per 課 (in the audit's order) what was confirmed, what was seen, then each finding."""
    key = lambda c: (c.get("department_position") or 0, c.get("position") or 0)  # noqa: E731
    departments = list(dict.fromkeys((c.get("department_position") or 0, c["department_name"])
                                     for c in sorted(checks, key=key)))
    departments += [d for d in dict.fromkeys((f.get("department_position") or 0, f["department_name"])
                                             for f in topic_findings) if d not in departments]
    covered = {f["check_id"] for f in topic_findings if f.get("check_id")}
    paragraphs = []
    for position, name in sorted(departments):
        named = name if multi else None
        own = [c for c in sorted(checks, key=key) if (c.get("department_position") or 0) == position]
        good = [c for c in own if c["result"] in values.GOOD_RESULTS]
        confirmed = confirmed_sentences([c for c in good if (c["note"] or "").strip()], named)
        unnoted = [c for c in good if not (c["note"] or "").strip()]
        if unnoted:
            confirmed.append(_unnoted_sentence(unnoted, named, bool(confirmed)))
        paragraphs += ["".join(confirmed[n:n + SENTENCES_A_PARAGRAPH])
                       for n in range(0, len(confirmed), SENTENCES_A_PARAGRAPH)]
        seen = [_weak_check_sentence(c, named) for c in own
                if c["result"] in WEAK_RESULTS and c["id"] not in covered]
        if seen:
            paragraphs.append("".join(seen))
        for finding in sorted((f for f in topic_findings if (f.get("department_position") or 0) == position),
                              key=lambda f: f["position"]):
            paragraphs.append(finding_sentence(finding, named, after_confirmed=bool(confirmed)))
    return "\n\n".join(paragraphs)


def other_text(loose: list[dict], multi: bool) -> str:
    """「その他の事項」: one paragraph per finding not attached to a 監査項目."""
    loose = sorted(loose, key=lambda f: (f.get("department_position") or 0, f["position"]))
    return "\n\n".join(finding_sentence(f, f["department_name"] if multi else None) for f in loose)


# ----------------------------------------------------------------------------- ６ 終わりに

def _place_suffix(municipality: str) -> str:
    """市 / 区 / 町 / 村 of 「市政」「市民」; 市 when the name does not end with one."""
    return municipality[-1] if municipality and municipality[-1] in "市区町村" else "市"


def _medium(incident: dict) -> str:
    return re.split(r"[（(、]", (incident.get("medium") or "").strip(), maxsplit=1)[0].strip()


def incident_paragraph(incidents: list[dict]) -> str:
    """Why this year's audit: the incidents behind it, and what every 課 should take from them."""
    if not incidents:
        return ""
    names = "及び".join(dict.fromkeys(d["name"] for i in incidents for d in i.get("departments") or []))
    titles = "、".join(f"「{strip_period(i['title'])}」" for i in incidents)
    where = f"{names}における" if names else ""
    media = list(dict.fromkeys(m for i in incidents if (m := _medium(i))))
    text = (f"今年度の監査は、{where}漏えい等事案（{titles}）の発生があったこともあり、"
            f"{'・'.join(media) + 'による個人情報の授受を中心に、' if media else ''}"
            "事案発生後の改善策をテーマとして取り上げることとした。")
    if media:
        return (text + f"同様の事務は他の課にもあることから、各課においては、{'・'.join(media)}による個人情報の授受が"
                f"真に必要かをあらためて確認し、より安全な方法で事務執行をされるよう取り組まれたい。")
    return text + "各課においては、同様の事案が自課の事務でも起こり得ないか、あらためて確認されたい。"


def shared_weaknesses(db: Database, fiscal_year: int) -> list[dict]:
    """Checklist items found 要改善/不適正 at two or more audited 課 in the 年度's audits (any audit):
    [{'question', 'section_title', 'departments': [names]}], most 課 first."""
    rows = db.execute(f"""
        SELECT DISTINCT i.item_id, i.question, i.section_title, d.id, d.name
        FROM audit_checks c JOIN audits a ON a.id = c.audit_id JOIN checklist_items i ON i.id = c.item_pk
        JOIN departments d ON d.id = c.department_id
        WHERE a.fiscal_year = ? AND c.result IN ({', '.join('?' for _ in WEAK_RESULTS)})
        ORDER BY i.item_id, d.id""", [fiscal_year, *WEAK_RESULTS]).fetchall()
    items: dict[str, dict] = {}
    for item_id, question, section_title, _id, name in rows:
        entry = items.setdefault(item_id, {"question": question, "section_title": section_title, "departments": []})
        if name not in entry["departments"]:
            entry["departments"].append(name)
    shared = [entry for entry in items.values() if len(entry["departments"]) >= 2]
    return sorted(shared, key=lambda e: -len(e["departments"]))


def _question_phrase(question: str) -> str:
    """「端末を離れるときは画面をロックし、…設定していますか。」 -> 「…設定すること」."""
    text = re.sub(r"\s+", "", strip_period(question))
    for asked, plain in (("していますか", "すること"), ("ていますか", "ること"), ("ますか", "こと"),
                         ("ですか", "こと")):
        if text.endswith(asked):
            return text[: -len(asked)] + plain
    return text


def shared_paragraph(shared: list[dict]) -> str:
    if not shared:
        return ""
    parts = [f"{'及び'.join(s['departments'])}において「{_question_phrase(s['question'])}」" for s in shared[:3]]
    return ("今年度の監査では、" + "、".join(parts) + "について、共通して改善を要する点が見受けられた。"
            "同様の事務を行う各課においても、自課の取扱いをあらためて点検されたい。")


def training_figures(db: Database, fiscal_year: int) -> dict:
    """From the 年度's self-check answers: 課 whose training rate is under 100 %, and staff not trained in
    特定個人情報 (the measurement's total). Keys are absent when no 課 answered."""
    rows = db.execute("""
        SELECT i.item_id, a.value, s.department_id FROM answers a
        JOIN sheets s ON s.id = a.sheet_id AND s.removed_at IS NULL
        JOIN schedules sc ON sc.id = s.schedule_id JOIN checklist_items i ON i.id = a.item_pk
        WHERE sc.fiscal_year = ? AND i.item_id IN (?, ?) AND a.category = ?""",
                      [fiscal_year, TRAINING_RATE_ITEM, UNTRAINED_ITEM, scoring.DONE]).fetchall()
    rows += db.execute("""
        SELECT i.item_id, a.value, s.department_id FROM answers a
        JOIN sheets s ON s.id = a.sheet_id AND s.removed_at IS NULL
        JOIN schedules sc ON sc.id = s.schedule_id JOIN checklist_items i ON i.id = a.item_pk
        WHERE sc.fiscal_year = ? AND i.item_id = ? AND a.category = ?""",
                       [fiscal_year, TRAINING_RATE_ITEM, scoring.PARTIAL]).fetchall()
    figures: dict = {}

    def number(value) -> float | None:
        try:
            return float(value)
        except (TypeError, ValueError):
            return None

    rates = [(d, number(v)) for item, v, d in rows if item == TRAINING_RATE_ITEM and number(v) is not None]
    if rates:
        figures["below_full"] = len({d for d, rate in rates if rate < 100})
        figures["rated"] = len({d for d, _ in rates})
    untrained = [number(v) for item, v, _d in rows if item == UNTRAINED_ITEM and number(v) is not None]
    if untrained:
        figures["untrained"] = int(sum(untrained))
    return figures


def training_paragraph(figures: dict) -> str:
    said = []
    if "below_full" in figures:
        said.append(f"個人情報保護に関する研修の受講率が100％に満たない課が{figures['below_full']}課"
                    f"（回答した{figures['rated']}課のうち）"
                    if figures["below_full"] else f"回答した{figures['rated']}課のすべてで研修の受講率が100％")
    if "untrained" in figures:
        said.append(f"特定個人情報の取扱いに関する研修の未受講者が{figures['untrained']}人")
    if not said:
        return ""
    return ("研修については、今年度の自己点検において、" + "、".join(said) + "であった。"
            "各課においては、未受講者を把握して期限を定めて受講させるとともに、事案の具体例を用いた課内研修等を"
            "通じて、職員の理解を深められたい。")


def closing(db: Database, audit: dict, municipality: str, incidents: list[dict]) -> str:
    """６ 終わりに, proposed from the 年度's material (see the module docstring)."""
    place = _place_suffix(municipality)
    why = incident_paragraph(incidents)
    shared = shared_paragraph(shared_weaknesses(db, audit["fiscal_year"]))
    paragraphs = [why, f"また、{shared}" if why and shared else shared,
                  training_paragraph(training_figures(db, audit["fiscal_year"])),
                  f"結びに、信頼される{place}政の実現のために、日々の業務や各種研修・自己点検等を通じて、すべての職員が"
                  f"個人情報保護制度に関する理解を十分に深め、{place}民のプライバシーの権利の保護を的確に図っていくこと"
                  "に着実に取り組まれたい。"]
    return "\n\n".join(p for p in paragraphs if p)
