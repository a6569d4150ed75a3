"""Evidence files on disk: no orphan after a crash, no row without its file, everything private (600/700),
and evidence of a check taken off an audit still reachable."""
from __future__ import annotations

import io
import os
import stat
import time
from pathlib import Path

import pytest
import sample_files
from builders_audit import audit_for, user
from builders_evidence import as_previous_release
from builders_selfcheck import load, sheet_id, unanswered_item

from audits import create_app
from audits.audit import visits
from audits.audit.permissions import load_audit
from audits.db import connect, init_db
from audits.evidence import storage

PDF = sample_files.pdf()


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def restart(app):
    """A new app on the same database and folder, as after the server was killed and started again."""
    return create_app({k: app.config[k] for k in ("TESTING", "SECRET_KEY", "DATABASE", "UPLOAD_FOLDER")})


def upload(auth, sheet, item_id, name, data, note="記録"):
    return auth.post(f"/sheets/{sheet['id']}/items/{item_id}/evidence",
                     {"file": (io.BytesIO(data), name), "note": note}, content_type="multipart/form-data",
                     follow_redirects=True)


def test_file_without_row_is_quarantined_at_start(app, db):
    """kill -9 after the file was renamed into place but before its row committed: the next start moves the
    file to quarantine/ (kept, logged) instead of leaving an unaccounted file among the evidence."""
    folder = Path(app.config["UPLOAD_FOLDER"])
    orphan = folder / "ab" / ("ab" + "0" * 30)
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(PDF)
    old = time.time() - storage.ORPHAN_GRACE_SECONDS - 60
    os.utime(orphan, (old, old))
    fresh = folder / "ab" / ("ab" + "1" * 30)   # a file whose row a running server is committing right now
    fresh.write_bytes(PDF)
    known = db.execute("SELECT stored_name FROM evidence LIMIT 1").fetchone()[0]

    restart(app)

    assert not orphan.exists() and fresh.exists() and (folder / known).exists()
    quarantined = list((folder / storage.QUARANTINE).rglob(orphan.name))
    assert len(quarantined) == 1 and quarantined[0].read_bytes() == PDF
    assert mode(quarantined[0]) == 0o600 and mode(folder / storage.QUARANTINE) == 0o700


def test_row_whose_file_is_missing_is_shown_and_never_500(app, client, auth, db, caplog):
    kenko = load(db, sheet_id(db, "kenko"))
    target = unanswered_item(db, kenko)
    auth.login("kenko.staff")
    upload(auth, kenko, target["item_id"], "消えた記録.pdf", PDF)
    row = next(db.query("SELECT * FROM evidence ORDER BY id DESC LIMIT 1"))
    (Path(app.config["UPLOAD_FOLDER"]) / row["stored_name"]).unlink()

    with caplog.at_level("WARNING"):
        restart(app)
    assert any(str(row["id"]) in r.getMessage() and "missing" in r.getMessage() for r in caplog.records)
    html = client.get(f"/sheets/{kenko['id']}").get_data(as_text=True)
    assert "消えた記録.pdf" in html and "ファイルが見つかりません" in html
    response = client.get(f"/evidence/{row['id']}/download")
    assert response.status_code == 404 and "ファイルが見つかりません" in response.get_data(as_text=True)


def test_everything_created_is_private(tmp_path):
    """A new instance under a permissive umask: database (with its -wal/-shm), evidence files and folders,
    backups: files 600, folders 700."""
    previous = os.umask(0o022)
    try:
        from audits.db import init_db

        db_path = tmp_path / "new" / "tenken.db"
        db_path.parent.mkdir()
        init_db(str(db_path))
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE": str(db_path),
                          "UPLOAD_FOLDER": str(tmp_path / "new" / "uploads")})
        with app.app_context():
            from audits.db import get_db

            get_db().execute("CREATE TABLE IF NOT EXISTS t (x)")  # a write: -wal/-shm exist now
            stored = storage.save(io.BytesIO(PDF), "記録.pdf", app.config["UPLOAD_FOLDER"], 1 << 20)
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{db_path}{suffix}").exists():
                    assert mode(f"{db_path}{suffix}") == 0o600, suffix
            assert Path(f"{db_path}-wal").exists()
        uploads = Path(app.config["UPLOAD_FOLDER"])
        assert mode(uploads / stored.stored_name) == 0o600
        assert mode(uploads) == mode(uploads / stored.stored_name[:2]) == mode(uploads / "tmp") == 0o700
        assert mode(app.instance_path) == 0o700

        dest = tmp_path / "backup"
        result = app.test_cli_runner().invoke(args=["backup", str(dest)])
        assert result.exit_code == 0, result.output
        assert mode(dest) == 0o700
        for path in dest.rglob("*"):
            assert mode(path) == (0o700 if path.is_dir() else 0o600), path
        assert (dest / "uploads" / stored.stored_name).exists()
    finally:
        os.umask(previous)


def test_files_of_an_older_release_are_made_private_at_start(app):
    database = Path(app.config["DATABASE"])
    evidence_file = next(p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file())
    for path, loose in ((database, 0o644), (evidence_file, 0o644), (evidence_file.parent, 0o755)):
        os.chmod(path, loose)
    restart(app)
    assert mode(database) == 0o600 and mode(evidence_file) == 0o600 and mode(evidence_file.parent) == 0o700


def _check_with_evidence(client, auth, db):
    audit_id = audit_for(db, "shimin")
    audit = load_audit(db, audit_id)
    item_pk = visits.candidate_items(db, audit)[0]["id"]
    visits.add_checks(db, audit, [item_pk], None, user(db, "auditor"))
    check_id = db.execute("SELECT id FROM audit_checks WHERE audit_id = ?", [audit_id]).fetchone()[0]
    auth.login("auditor")
    response = auth.post(f"/audit/{audit_id}/evidence?check={check_id}",
                         {"ev-file": (io.BytesIO(PDF), "現地写真.pdf"), "ev-note": "書庫の施錠"},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    evidence_id = db.execute("SELECT max(id) FROM evidence").fetchone()[0]
    return audit_id, check_id, evidence_id


def test_evidence_of_a_removed_check_stays_with_the_audit(client, auth, db):
    audit_id, check_id, evidence_id = _check_with_evidence(client, auth, db)
    response = auth.post(f"/audit/{audit_id}/checks/{check_id}", {"remove": "1"})
    assert response.status_code == 302
    assert db.execute("SELECT count(*) FROM audit_checks WHERE id = ?", [check_id]).fetchone()[0] == 0

    download = client.get(f"/evidence/{evidence_id}/download")
    assert download.status_code == 200 and download.data == PDF
    html = client.get(f"/audit/{audit_id}").get_data(as_text=True)
    assert "現地写真.pdf" in html and "書庫の施錠" in html and "から外した証跡" in html
    denied = db.execute("SELECT count(*) FROM activity_log WHERE action = 'access.denied' AND username = 'auditor'"
                        ).fetchone()[0]
    assert denied == 0
    # Still refused to those who could not read it before.
    auth.logout()
    auth.login("hoken.staff")
    assert client.get(f"/evidence/{evidence_id}/download").status_code == 403


def test_migration_reattaches_evidence_left_by_an_earlier_check_removal(app, client, auth, db, tmp_path):
    """A database where a check was removed before this release: its evidence pointed at nothing (403 for
    everyone, logged as an attack). The migration gives it back to its audit, and tenken-evidence 0001 links it there."""
    from audits.activity import service as activity
    from audits.audit.schema import removed_check_evidence

    audit_id, check_id, evidence_id = _check_with_evidence(client, auth, db)
    db.conn.close()
    as_previous_release(app.config["DATABASE"], tmp_path / "reference.db")  # evidence.owner_type/owner_id
    old = connect(app.config["DATABASE"])
    with old.conn:  # what remove_check did before: delete the check, log it, leave the evidence as it was
        old.execute("DELETE FROM audit_checks WHERE id = ?", [check_id])
        activity.record(old, "audit.check_add", object_type="audit", object_id=audit_id,
                        detail={"removed_check": check_id})
    with old.conn:
        removed_check_evidence(old)
    assert old.execute("SELECT owner_type, owner_id FROM evidence WHERE id = ?", [evidence_id]).fetchone() \
        == ("audit", audit_id)
    old.conn.close()
    assert init_db(app.config["DATABASE"]) == ["tenken-evidence:0001_evidence_links"]
    assert client.get(f"/evidence/{evidence_id}/download").status_code == 200


@pytest.mark.parametrize("name,data", [("後ろにzip.pdf", PDF + sample_files.zip_archive())])
def test_refused_upload_keeps_the_note(client, auth, db, name, data):
    kenko = load(db, sheet_id(db, "kenko"))
    target = unanswered_item(db, kenko)
    auth.login("kenko.staff")
    html = upload(auth, kenko, target["item_id"], name, data, note="令和7年5月分 確認記録").get_data(as_text=True)
    assert "添付できませんでした" in html and 'value="令和7年5月分 確認記録"' in html
