"""The keyed log chain and its anchors outside the database: each attack from the outside review must fail.

The attacker edits the database file directly (around the triggers) and recomputes the chain with the app's
own hash function: without the key, verify-log alone catches it; with the key, or by cutting rows off the end
or putting an old backup back, only an anchor taken before does (`verify-log --anchor`).
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat

import pytest

from audits import create_app
from audits.activity import service as activity
from audits.db import connect
from audits.migrations import migration_sets, migrations as core_migrations

from conftest import DEMO_PASSWORD

ATTACKER_KEY = bytes(32)


def _open_around_triggers(path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER IF EXISTS activity_log_no_update")
    conn.execute("DROP TRIGGER IF EXISTS activity_log_no_delete")
    return conn


def _rechain(conn: sqlite3.Connection, hash_of, start: int = 1) -> None:
    """Recompute prev_hash and hash from row `start` on, as the app computes them (hash_of(values))."""
    columns = ", ".join(activity.LOG_COLUMNS[:-1])
    prev = (conn.execute("SELECT hash FROM activity_log WHERE id = ?", [start - 1]).fetchone()
            or [activity.GENESIS_HASH])[0]
    for values in conn.execute(f"SELECT {columns} FROM activity_log WHERE id >= ? ORDER BY id", [start]).fetchall():
        digest = hash_of((*values, prev))
        conn.execute("UPDATE activity_log SET prev_hash = ?, hash = ? WHERE id = ?", [prev, digest, values[0]])
        prev = digest


def _rewrite(path, row_id: int, hash_of) -> None:
    conn = _open_around_triggers(path)
    conn.execute("UPDATE activity_log SET username = 'forged' WHERE id = ?", [row_id])
    _rechain(conn, hash_of, row_id)
    conn.commit()
    conn.close()


def _last_id(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT max(id) FROM activity_log").fetchone()[0]
    finally:
        conn.close()


def _activity(runner, anchors_file, times: int = 1) -> None:
    """Something that appends to the log (each log-anchor writes a row, then its anchor)."""
    for _ in range(times):
        result = runner.invoke(args=["log-anchor", "-o", str(anchors_file)])
        assert result.exit_code == 0, result.output


def _verify(runner, *anchor_files):
    return runner.invoke(args=["verify-log", *[arg for f in anchor_files for arg in ("--anchor", str(f))]])


# --------------------------------------------------------------------------- the key

def test_log_key_is_created_on_first_start_with_mode_600(tmp_path):
    key_file = tmp_path / "keys" / "log_key"
    key_file.parent.mkdir()
    config = {"TESTING": True, "SECRET_KEY": "x", "DATABASE": str(tmp_path / "t.db"), "LOG_KEY_FILE": str(key_file)}
    try:
        first = create_app(config)
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert len(bytes.fromhex(key_file.read_text())) == 32
        second = create_app(config)
        with first.app_context():
            key = activity.log_key()
        with second.app_context():
            assert activity.log_key() == key
    finally:
        create_app({"TESTING": True, "SECRET_KEY": "x"})  # the session's key again for the tests that follow


def test_an_unreadable_log_key_stops_the_start(tmp_path):
    key_file = tmp_path / "log_key"
    key_file.write_text("not a key")
    with pytest.raises(activity.LogChainError, match="操作ログの鍵 .* を読めません"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "LOG_KEY_FILE": str(key_file)})
    with pytest.raises(activity.LogChainError, match="操作ログの鍵 .* を作成・読込みできません"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "LOG_KEY_FILE": str(tmp_path / "missing" / "log_key")})


@pytest.mark.parametrize("hash_of", [
    lambda values: activity.row_hash(values, ATTACKER_KEY),  # the app's own function, a guessed key
    activity.unkeyed_row_hash,  # the chain as it was before the key
], ids=["guessed-key", "unkeyed"])
def test_rewrite_recomputed_without_the_key_fails(app, runner, hash_of):
    _rewrite(app.config["DATABASE"], 5, hash_of)
    result = _verify(runner)
    assert result.exit_code == 1
    assert "行 5 の内容がハッシュと一致しません" in result.output


def test_verify_log_with_another_key_names_the_key(app, make_app, tmp_path):
    other = tmp_path / "other_key"
    other.write_text(ATTACKER_KEY.hex())
    try:
        result = make_app(LOG_KEY_FILE=str(other)).test_cli_runner().invoke(args=["verify-log"])
    finally:
        make_app()
    assert result.exit_code == 1 and "LOG_KEY_FILE" in result.output


# --------------------------------------------------------------------------- anchors

def test_anchor_then_more_activity_then_verify_passes(app, runner, client, auth, tmp_path):
    anchors_file = tmp_path / "elsewhere" / "anchors.txt"
    anchors_file.parent.mkdir()
    _activity(runner, anchors_file)
    auth.login("kenko.staff")
    backup = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert backup.exit_code == 0, backup.output
    auth.logout()
    _activity(runner, anchors_file)
    lines = anchors_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and lines[1].split("\t")[0] == str(_last_id(app.config["DATABASE"]))
    result = _verify(runner, anchors_file, tmp_path / "backup" / "manifest.json")
    assert result.exit_code == 0, result.output
    assert "アンカー 3 件すべてに到達しています" in result.output


def test_backup_manifest_records_the_copy_s_last_row(app, runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    head = json.loads((tmp_path / "backup" / "manifest.json").read_text(encoding="utf-8"))["log_head"]
    copy = connect(str(tmp_path / "backup" / "tenken.db"))
    try:
        assert head == activity.head(copy)
        assert copy.execute("SELECT action FROM activity_log WHERE id = ?", [head["id"]]).fetchone()[0] == "backup"
    finally:
        copy.conn.close()


def test_rewrite_with_the_key_is_caught_by_an_earlier_anchor(app, runner, tmp_path):
    anchors_file = tmp_path / "anchors.txt"
    _activity(runner, anchors_file)
    key = activity.log_key()
    _rewrite(app.config["DATABASE"], 5, lambda values: activity.row_hash(values, key))
    assert _verify(runner).exit_code == 0  # whoever holds the key can rewrite a whole chain ...
    result = _verify(runner, anchors_file)  # ... but not the head written down elsewhere
    assert result.exit_code == 1
    assert f"{anchors_file} の 1 行目" in result.output and "ハッシュがアンカー" in result.output


def test_truncation_with_sqlite_sequence_reset_is_caught_by_the_anchor(app, runner, tmp_path):
    anchors_file = tmp_path / "anchors.txt"
    _activity(runner, anchors_file, times=3)
    path = app.config["DATABASE"]
    last = _last_id(path)
    conn = _open_around_triggers(path)
    conn.execute("DELETE FROM activity_log WHERE id > ?", [last - 3])
    conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'activity_log'", [last - 3])
    conn.commit()
    conn.close()
    assert _verify(runner).exit_code == 0  # the shorter chain is whole
    result = _verify(runner, anchors_file)
    assert result.exit_code == 1
    assert f"行 {last}）の行が操作ログにありません" in result.output and "末尾の行の削除" in result.output


def test_restoring_an_old_backup_after_new_anchors_fails(app, runner, tmp_path):
    anchors_file = tmp_path / "anchors.txt"
    old = tmp_path / "backup-old"
    assert runner.invoke(args=["backup", str(old)]).exit_code == 0
    _activity(runner, anchors_file, times=2)
    path = app.config["DATABASE"]
    for suffix in ("-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    shutil.copy(old / "tenken.db", path)
    assert _verify(runner, old / "manifest.json").exit_code == 0  # it is the backup, whole
    result = _verify(runner, anchors_file)
    assert result.exit_code == 1 and "古いバックアップへの巻き戻し" in result.output
    # New rows after the restore take the anchored ids again: they are another history.
    _activity(runner, tmp_path / "after.txt", times=3)
    result = _verify(runner, anchors_file)
    assert result.exit_code == 1 and "ハッシュがアンカー" in result.output


def test_an_unreadable_anchor_file_fails_with_its_name(app, runner, tmp_path):
    result = _verify(runner, tmp_path / "missing.txt")
    assert result.exit_code == 1 and "missing.txt を読めません" in result.output
    bad = tmp_path / "bad.txt"
    bad.write_text("# anchors\n\n1\tnot-a-hash\t2025-01-01\n", encoding="utf-8")
    result = _verify(runner, bad)
    assert result.exit_code == 1 and "bad.txt の 3 行目を読めません" in result.output
    old_manifest = tmp_path / "manifest.json"
    old_manifest.write_text('{"database": "tenken.db", "files": {}}', encoding="utf-8")
    result = _verify(runner, old_manifest)
    assert result.exit_code == 1 and "log_head" in result.output


def test_log_anchor_refuses_an_unwritable_file(app, runner, tmp_path):
    before = _last_id(app.config["DATABASE"])
    result = runner.invoke(args=["log-anchor", "-o", str(tmp_path / "no-such-folder" / "anchors.txt")])
    assert result.exit_code == 1 and "書き込めません" in result.output
    assert _last_id(app.config["DATABASE"]) == before


# --------------------------------------------------------------------------- the upgrade from the unkeyed chain

@pytest.fixture(scope="session")
def previous_release_template(tmp_path_factory, log_key_file):
    """The demo city as the release before the key left it: the log chained with unkeyed SHA-256 (as that
    release's record() wrote it) and 0003_activity_log_keyed not applied. Every other migration is applied, so
    today's demo loads; the keyed migration touches only the log. Built once, copied per test."""
    folder = tmp_path_factory.mktemp("previous_release")
    path = folder / "tenken.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE": str(path),
                      "UPLOAD_FOLDER": str(folder / "uploads")})
    with app.app_context():
        db = connect(str(path))
        for migrations in migration_sets():
            migrations.apply(db)
        from audits import demo

        demo.load(db, password=DEMO_PASSWORD, upload_folder=str(folder / "uploads"))
        db.execute("DELETE FROM _sqlite_migrations WHERE migration_set = ? AND name = ?",
                   [core_migrations.name, "0003_activity_log_keyed"])
        db.conn.commit()
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.conn.close()
    conn = sqlite3.connect(path)
    triggers = [row[0] for row in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                                               "AND tbl_name = 'activity_log'")]
    assert len(triggers) == 2
    conn.close()
    conn = _open_around_triggers(path)
    _rechain(conn, activity.unkeyed_row_hash)
    for sql in triggers:
        conn.execute(sql)
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def previous_release(tmp_path, previous_release_template):
    path = tmp_path / "tenken.db"
    shutil.copy(previous_release_template, path)
    return create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE": str(path),
                       "UPLOAD_FOLDER": str(tmp_path / "uploads")})


def _log(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT {', '.join(activity.LOG_COLUMNS)}, hash FROM activity_log ORDER BY id").fetchall()
    finally:
        conn.close()


def test_upgrade_verifies_the_unkeyed_chain_and_rechains_it_keyed(previous_release):
    runner = previous_release.test_cli_runner()
    path = previous_release.config["DATABASE"]
    before = _log(path)
    result = runner.invoke(args=["verify-log"])
    assert result.exit_code == 1 and "旧形式" in result.output and "init-db" in result.output
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    after = _log(path)
    # Every row kept as it was (only the hashes change), and one more: the transition.
    assert [row[:-2] for row in after[:-1]] == [row[:-2] for row in before]
    transition = after[-1]
    assert transition[4] == "log.keyed"
    assert json.loads(transition[8]) == {"rows": len(before), "old_head": before[-1][-1]}
    result = runner.invoke(args=["verify-log"])
    assert result.exit_code == 0 and f"{len(before) + 1} 行" in result.output
    # Now keyed: the unkeyed recomputation no longer passes.
    _rewrite(path, 3, activity.unkeyed_row_hash)
    assert runner.invoke(args=["verify-log"]).exit_code == 1


def test_upgrade_refuses_a_broken_unkeyed_chain(previous_release):
    path = previous_release.config["DATABASE"]
    conn = _open_around_triggers(path)
    conn.execute("UPDATE activity_log SET username = 'forged' WHERE id = 5")
    conn.commit()
    conn.close()
    before = _log(path)
    result = previous_release.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 1
    assert "移行を中止しました" in result.output and "行 5" in result.output
    assert _log(path) == before
    db = connect(path)
    try:
        assert [m.name for m in core_migrations.pending(db)][0] == "0003_activity_log_keyed"   # still pending
    finally:
        db.conn.close()


def test_upgrade_accepts_rows_the_new_release_wrote_before_init_db(previous_release, tmp_path):
    runner = previous_release.test_cli_runner()
    _activity(runner, tmp_path / "anchors.txt", times=2)  # keyed rows after the unkeyed ones
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["verify-log"]).exit_code == 0
