"""Nothing lost: kill -9 during writes, concurrent saves of one answer, backup during writes."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from builders_selfcheck import load, sheet_id, unanswered_item, user
from conftest import DEMO_PASSWORD
from http_client import Client

from audits.db import connect
from audits.sheets import service
from audits.sheets.answers import AnswerInput

PROJECT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_path: Path, uploads: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "TENKEN_DATABASE": str(db_path), "TENKEN_UPLOAD_FOLDER": str(uploads),
           "TENKEN_PORT": str(port), "TENKEN_SECRET_KEY": "fault-test", "TENKEN_SERVER_THREADS": "8"}
    process = subprocess.Popen([sys.executable, "-c", "import app; app.main()"], cwd=PROJECT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


@pytest.fixture
def server_files(tmp_path, demo_template):
    db_path = tmp_path / "tenken.db"
    shutil.copy(demo_template, db_path)
    uploads = tmp_path / "uploads"
    shutil.copytree(demo_template.parent / "uploads", uploads, copy_function=os.link)
    return db_path, uploads


def test_kill_9_during_saves_and_uploads_loses_nothing_acknowledged(server_files):
    db_path, uploads = server_files
    db = connect(str(db_path))
    sheet = load(db, sheet_id(db, "kenko"))
    items = [r[0] for r in db.execute(
        """SELECT i.item_id FROM checklist_items i WHERE i.version_id = ? AND i.scale = 'implementation'
           AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.sheet_id = ? AND a.item_pk = i.id)
           ORDER BY i.position""", [sheet["version_id"], sheet["id"]])]
    db.conn.close()
    port = free_port()
    server = start_server(db_path, uploads, port)
    base = f"http://127.0.0.1:{port}"
    acknowledged: dict[str, tuple[int, str]] = {}    # item -> (revision, detail) the client saw saved
    uploaded: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def writer(mine: list[str], number: int):
        client = Client(base, timeout=5)
        try:
            client.login("kenko.staff", DEMO_PASSWORD)
        except Exception:
            return
        revisions = {item: 0 for item in mine}
        round_ = 0
        while not stop.is_set():
            round_ += 1
            for item in mine:
                detail = f"writer{number}-round{round_}-{item}"
                try:
                    status, _ = client.post(f"/sheets/{sheet['id']}/items/{item}",
                                            {"value": "done", "detail": detail, "revision": revisions[item]})
                except Exception:
                    return
                if status == 302:
                    revisions[item] += 1
                    with lock:
                        acknowledged[item] = (revisions[item], detail)
                if round_ % 2 == 0:
                    name = f"記録-{number}-{round_}.txt"
                    try:
                        status, _ = client.upload(f"/sheets/{sheet['id']}/items/{item}/evidence", name,
                                                  f"証跡 {number} {round_}".encode() * 200, {"note": "fault"})
                    except Exception:
                        return
                    if status == 302:
                        with lock:
                            uploaded.append(name)

    groups = [items[i::4] for i in range(4)]
    threads = [threading.Thread(target=writer, args=(group, n), daemon=True) for n, group in enumerate(groups)]
    for thread in threads:
        thread.start()
    # Kill in the middle of the writing: once enough saves were acknowledged (a slow machine
    # needs longer), and a little later still, so that writes are in flight.
    deadline = time.time() + 60
    while time.time() < deadline and (len(acknowledged) < 6 or not uploaded):
        time.sleep(0.1)
    time.sleep(0.5)
    server.send_signal(signal.SIGKILL)
    server.wait()
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    assert acknowledged, "no save was acknowledged before the kill"

    restarted = start_server(db_path, uploads, port)
    try:
        conn = sqlite3.connect(db_path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for item, (revision, detail) in acknowledged.items():
            stored = conn.execute("SELECT revision, detail FROM answers WHERE sheet_id = ? AND item_id = ?",
                                  [sheet["id"], item]).fetchone()
            assert stored is not None, f"{item} lost"
            assert stored[0] >= revision, f"{item}: acknowledged revision {revision}, stored {stored[0]}"
            if stored[0] == revision:
                assert stored[1] == detail
        names = {r[0] for r in conn.execute("SELECT original_name FROM evidence WHERE note = 'fault'")}
        assert set(uploaded) <= names
        for (stored_name,) in conn.execute("SELECT stored_name FROM evidence"):
            assert (uploads / stored_name).is_file(), f"evidence row without file: {stored_name}"
        tmp = uploads / "tmp"
        assert not tmp.exists() or list(tmp.iterdir()) == [], "temporary files left after restart"
        conn.close()
        # The restarted server serves the sheet with the saved answers.
        client = Client(f"http://127.0.0.1:{port}")
        client.login("kenko.staff", DEMO_PASSWORD)
        status, html = client.get(f"/sheets/{sheet['id']}")
        some_item, (_, some_detail) = next(iter(acknowledged.items()))
        assert status == 200
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=10)
    check = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "verify-log"], cwd=PROJECT,
                           env={**os.environ, "TENKEN_DATABASE": str(db_path), "TENKEN_SECRET_KEY": "x"},
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_concurrent_saves_from_the_same_base_exactly_one_wins(app):
    path = app.config["DATABASE"]
    db = connect(path)
    sheet = load(db, sheet_id(db, "kenko"))
    target = unanswered_item(db, sheet)
    people = ["kenko.staff", "kenko.manager"] * 4
    outcomes: list[tuple[str, str]] = []
    barrier = threading.Barrier(len(people))

    def save(number: int, username: str):
        conn = connect(path)
        try:
            actor = user(conn, username)
            barrier.wait()
            try:
                service.save_answer(conn, sheet, target, AnswerInput(value="done", detail=f"回答{number}"),
                                    base_revision=0, user=actor)
                outcomes.append(("saved", f"回答{number}"))
            except service.AnswerConflict as conflict:
                outcomes.append(("conflict", conflict.current["detail"]))
        finally:
            conn.conn.close()

    threads = [threading.Thread(target=save, args=(n, u)) for n, u in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [text for kind, text in outcomes if kind == "saved"]
    assert len(winners) == 1 and len(outcomes) == len(people)
    assert all(text == winners[0] for kind, text in outcomes if kind == "conflict")
    stored = db.execute("SELECT detail, revision FROM answers WHERE sheet_id = ? AND item_pk = ?",
                        [sheet["id"], target["id"]]).fetchone()
    assert stored == (winners[0], 1)
    assert db.execute("SELECT count(*) FROM answer_history WHERE sheet_id = ? AND item_id = ?",
                      [sheet["id"], target["item_id"]]).fetchone()[0] == 1
    db.conn.close()


def test_backup_taken_during_writes_restores_consistently(app, runner, tmp_path):
    path = app.config["DATABASE"]
    stop = threading.Event()
    saved = []

    def writer():
        conn = connect(path)
        sheet = load(conn, sheet_id(conn, "kenko", "mynumber"))
        actor = user(conn, "kenko.staff")
        revisions: dict[int, int] = {}
        items = [i for i in service.sheet_items(conn, sheet) for i in i.items if i.applies]
        n = 0
        while not stop.is_set():
            entry = items[n % len(items)]
            pk = entry.item["id"]
            base = revisions.get(pk, entry.answer["revision"] if entry.answer else 0)
            try:
                result = service.save_answer(conn, sheet, entry.item,
                                             AnswerInput(value="done", detail=f"書込み{n}"), base_revision=base,
                                             user=actor)
                revisions[pk] = result.revision
                saved.append(n)
            except (service.AnswerConflict, service.AnswerInvalid):
                pass
            n += 1
        conn.conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(0.3)
    result = runner.invoke(args=["backup", str(tmp_path / "backup")])
    time.sleep(0.2)
    stop.set()
    thread.join()
    assert result.exit_code == 0, result.output
    assert saved, "the writer saved nothing"
    restored = tmp_path / "restored.db"
    shutil.copy(tmp_path / "backup" / "tenken.db", restored)
    conn = sqlite3.connect(restored)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
    from audits import create_app

    restored_app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE": str(restored),
                               "UPLOAD_FOLDER": str(tmp_path / "backup" / "uploads")})
    check = restored_app.test_cli_runner().invoke(args=["verify-log"])
    assert check.exit_code == 0, check.output
