"""The incident report for the 審議会 (PDF): the sections of 報告第371号 in order with 和暦 dates, for whoever may
read the incident, from the button and from `flask --app app report incident`."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader

from test_incidents import FAX, USB, incident_id

SECTIONS = ["個人情報を含む文書の誤送信による漏えいのおそれについて", "個人情報の保護に関する法律第６８条第１項",
            "健康づくり課", "１\u3000事案の概要", "（１）個人情報の項目", "（２）本人の数", "２\u3000事案の経過",
            "（１）令和６年８月５日（月）午後３時１５分", "（２）令和６年８月５日（月）午後３時１８分",
            "（６）令和６年８月９日（金）", "（８）令和６年９月３日（火）",
            "３\u3000本事案における二次被害又はそのおそれの有無について", "４\u3000発生の原因", "５\u3000今後の対応",
            "（１）再発防止策", "（２）本人への対応", "参考", "施行規則第４３条第１号", "第六十八条"]


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s", "", "".join(page.extract_text() for page in reader.pages))


def assert_in_order(text: str, parts: list[str]) -> None:
    position = -1
    for part in parts:
        found = text.find(re.sub(r"\s", "", part), position + 1)
        assert found > position, f"{part!r} missing or out of order"
        position = found


def test_report_button_gives_sections_in_order(client, auth, db):
    auth.login("kenko.manager")
    fax = incident_id(db, FAX)
    assert f"/incidents/{fax}/report.pdf" in client.get(f"/incidents/{fax}").get_data(as_text=True)
    response = client.get(f"/incidents/{fax}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert_in_order(pdf_text(response.data), SECTIONS)
    assert db.execute("SELECT count(*) FROM activity_log WHERE action = 'incident.report_export' AND object_id = ?",
                      [str(fax)]).fetchone()[0] == 1


def test_report_of_another_department_is_refused(client, auth, db):
    auth.login("kenko.staff")
    assert client.get(f"/incidents/{incident_id(db, USB)}/report.pdf").status_code == 403
    auth.logout()
    auth.login("admin")
    assert client.get(f"/incidents/{incident_id(db, FAX)}/report.pdf").status_code == 403


def test_cli_writes_the_report(runner, db, tmp_path):
    out = tmp_path / "fax.pdf"
    result = runner.invoke(args=["report", "incident", str(incident_id(db, FAX)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert_in_order(pdf_text(out.read_bytes()), SECTIONS)
    missing = runner.invoke(args=["report", "incident", "999999", "-o", str(tmp_path / "x.pdf")])
    assert missing.exit_code != 0 and "登録されていません" in missing.output
