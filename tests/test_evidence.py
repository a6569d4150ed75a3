"""Evidence: allowed types by content and extension, size limit, random names, downloads by permission."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import sample_files
from builders_selfcheck import load, sheet_id, unanswered_item
from sample_files import HTML, PROGRAM, image, office, zip_archive

PDF = sample_files.pdf()
PNG = image("png")
JPEG = image("jpeg")


@pytest.fixture
def kenko(db):
    return load(db, sheet_id(db, "kenko"))


def upload(auth, sheet, item_id, name, data, note="記録"):
    return auth.post(f"/sheets/{sheet['id']}/items/{item_id}/evidence",
                     {"file": (io.BytesIO(data), name), "note": note}, content_type="multipart/form-data",
                     follow_redirects=True)


@pytest.mark.parametrize("name,data", [("記録.pdf", PDF), ("画面.png", PNG), ("写真.jpg", JPEG),
                                       ("台帳.xlsx", office("xlsx")), ("手順.docx", office("docx")),
                                       ("説明.pptx", office("pptx")), ("余白付き.pdf", PDF + b"\r\n\x00\x00\n"),
                                       ("ログ.csv", "日付,確認者\n".encode("cp932")),
                                       ("memo.txt", "確認済み".encode())])
def test_allowed_types_are_stored_with_hash(client, auth, db, kenko, app, name, data):
    target = unanswered_item(db, kenko)
    auth.login("kenko.staff")
    html = upload(auth, kenko, target["item_id"], name, data).get_data(as_text=True)
    assert "を添付しました" in html
    row = next(db.query("SELECT * FROM evidence WHERE original_name = ? ORDER BY id DESC", [name]))
    import hashlib

    assert row["sha256"] == hashlib.sha256(data).hexdigest() and row["sha256"] in html
    stored = Path(app.config["UPLOAD_FOLDER"]) / row["stored_name"]
    assert stored.read_bytes() == data
    assert name not in row["stored_name"] and len(Path(row["stored_name"]).name) == 32


@pytest.mark.parametrize("name,data,reason", [
    ("偽物.pdf", b"MZ\x90\x00 this is an exe", "拡張子（.pdf: PDF）と一致しません"),
    ("script.exe", b"MZ\x90\x00", "添付できません"),
    ("empty.pdf", b"", "空です"),
    ("noext", PDF, "拡張子がありません"),
    ("binary.txt", b"\x00\x01\x02", "一致しません"),
    # Polyglots: the first bytes say one type, the rest is something else.
    ("偽物.pdf", b"%PDF-1.4\n" + HTML, "Web ページ（HTML）"),
    ("偽物2.pdf", b"%PDF-1.4\n" + PROGRAM, "PDF として読み取れません"),
    ("html.pdf", PDF[:9] + HTML + PDF[9:], "HTML"),
    ("後ろにHTML.pdf", PDF + HTML, "%%EOF）の後ろに別のデータ"),
    ("後ろにexe.pdf", PDF + PROGRAM, "%%EOF）の後ろに別のデータ"),
    ("後ろにzip.pdf", PDF + zip_archive(), "%%EOF）の後ろに別のデータ"),
    ("zip付き.png", PNG + zip_archive(), "PNG 画像の終わりの後ろに別のデータ"),
    ("html付き.png", PNG + HTML, "Web ページ（HTML）"),
    ("zip付き.jpg", JPEG + zip_archive(), "JPEG 画像の終わりの後ろに別のデータ"),
    ("壊れた.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "PNG 画像として読み取れません"),
    ("壊れた.jpg", JPEG[:40], "JPEG 画像"),
    ("exe入り.docx", office("docx", {"word/media/setup.exe": PROGRAM}), "プログラムやスクリプト（setup.exe）"),
    ("改名exe入り.docx", office("docx", {"word/media/image1.png": PROGRAM}), "プログラムが含まれている"),
    ("script入り.xlsx", office("xlsx", {"xl/run.vbs": b"MsgBox 1"}), "プログラムやスクリプト（run.vbs）"),
    ("マクロ.xlsx", office("xlsx", {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"}), "マクロを含む"),
    ("main無し.docx", office("pptx"), "一致しません"),
    ("部品だけ.docx", sample_files.package({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<x/>"}),
     "Word のファイルとして読み取れません"),
    ("zipだけ.docx", zip_archive(), "一致しません"),
])
def test_refused_files_say_why(client, auth, db, kenko, name, data, reason):
    target = unanswered_item(db, kenko)
    auth.login("kenko.staff")
    before = db.execute("SELECT count(*) FROM evidence").fetchone()[0]
    html = upload(auth, kenko, target["item_id"], name, data).get_data(as_text=True)
    assert reason in html
    assert db.execute("SELECT count(*) FROM evidence").fetchone()[0] == before


def test_oversized_file_is_refused(make_app, db):
    app = make_app(MAX_UPLOAD_MB=1)
    client = app.test_client()
    from conftest import Auth

    auth = Auth(client)
    kenko = load(db, sheet_id(db, "kenko"))
    target = unanswered_item(db, kenko)
    auth.login("kenko.staff")
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10)
    html = upload(auth, kenko, target["item_id"], "big.pdf", big).get_data(as_text=True)
    assert "大きすぎます" in html and "1 MB" in html
    # Far beyond the request limit: refused by the server before it is read.
    huge = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)
    response = auth.post(f"/sheets/{kenko['id']}/items/{target['item_id']}/evidence",
                         {"file": (io.BytesIO(huge), "huge.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 413 and "1 MB" in response.get_data(as_text=True)


def test_japanese_and_path_names_are_kept_for_display_only(client, auth, db, kenko):
    target = unanswered_item(db, kenko)
    auth.login("kenko.staff")
    upload(auth, kenko, target["item_id"], "../../etc/令和7年度 操作ログ確認記録.pdf", PDF)
    row = next(db.query("SELECT * FROM evidence ORDER BY id DESC LIMIT 1"))
    assert row["original_name"] == "令和7年度 操作ログ確認記録.pdf"
    assert "/" not in row["stored_name"][3:] and ".." not in row["stored_name"]


def test_download_as_attachment_and_logged(client, auth, db, kenko):
    target = unanswered_item(db, kenko)
    auth.login("kenko.staff")
    upload(auth, kenko, target["item_id"], "記録.pdf", PDF)
    evidence_id = db.execute("SELECT max(id) FROM evidence").fetchone()[0]
    auth.logout()
    auth.login("auditor")
    response = client.get(f"/evidence/{evidence_id}/download")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    logged = db.execute("SELECT username FROM activity_log WHERE action = 'evidence.download' AND object_id = ?",
                        [str(evidence_id)]).fetchone()
    assert logged == ("auditor",)


@pytest.mark.parametrize("username", ["hoken.staff", "admin"])
def test_download_refused_for_those_who_may_not_read_and_logged(client, auth, db, kenko, username):
    target = unanswered_item(db, kenko)
    auth.login("kenko.staff")
    upload(auth, kenko, target["item_id"], "記録.pdf", PDF)
    evidence_id = db.execute("SELECT max(id) FROM evidence").fetchone()[0]
    auth.logout()
    auth.login(username)
    response = client.get(f"/evidence/{evidence_id}/download")
    assert response.status_code == 403 and response.data != PDF
    denied = db.execute("SELECT count(*) FROM activity_log WHERE action = 'access.denied' AND username = ?",
                        [username]).fetchone()[0]
    assert denied == 1


def test_removing_keeps_the_record(client, auth, db, kenko):
    target = unanswered_item(db, kenko)
    auth.login("kenko.staff")
    upload(auth, kenko, target["item_id"], "取り違え.pdf", PDF)
    evidence_id = db.execute("SELECT max(id) FROM evidence").fetchone()[0]
    auth.post(f"/sheets/{kenko['id']}/evidence/{evidence_id}/remove")
    row = db["evidence"].get(evidence_id)
    assert row["removed_at"] and row["removed_by_name"]
    html = client.get(f"/sheets/{kenko['id']}").get_data(as_text=True)
    assert "<s>取り違え.pdf</s>" in html and "が削除" in html
    assert client.get(f"/evidence/{evidence_id}/download").status_code == 404


def test_no_temporary_file_left_after_refusal(client, auth, db, kenko, app):
    target = unanswered_item(db, kenko)
    auth.login("kenko.staff")
    upload(auth, kenko, target["item_id"], "偽物.pdf", b"not a pdf")
    tmp = Path(app.config["UPLOAD_FOLDER"]) / "tmp"
    assert not tmp.exists() or list(tmp.iterdir()) == []


def test_demo_evidence_downloads(client, auth, db):
    row = next(db.query("SELECT e.id FROM evidence e JOIN departments d ON d.id = e.department_id "
                        "WHERE d.code = 'shimin' LIMIT 1"))
    auth.login("shimin.manager")
    response = client.get(f"/evidence/{row['id']}/download")
    assert response.status_code == 200 and "デモ用の証跡".encode() in response.data
