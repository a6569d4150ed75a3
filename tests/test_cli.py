"""Command-line tools: help texts, init-db twice, create-user, demo, backup and restore."""
from __future__ import annotations

import shutil
import sqlite3

import pytest

from audits.db import init_db

FLASK_BUILTINS = {"routes", "run", "shell"}


def _command_paths(app):
    """Every Tenken command, nested groups included: ["init-db"], ["checklists", "lint"], …"""
    import click

    ctx = click.Context(app.cli)
    paths = []
    for name in app.cli.list_commands(ctx):
        if name in FLASK_BUILTINS:
            continue
        command = app.cli.get_command(ctx, name)
        paths.append([name])
        if isinstance(command, click.Group):
            paths += [[name, sub] for sub in command.list_commands(ctx)]
    return paths


def test_the_documented_commands_exist(app):
    paths = _command_paths(app)
    for expected in (["init-db"], ["create-user"], ["verify-log"], ["backup"], ["demo"], ["checklists", "lint"],
                     ["checklists", "import"], ["checklists", "export"], ["report", "sheet"],
                     ["report", "audit"], ["report", "summary"]):
        assert expected in paths


def test_every_command_has_japanese_help(app, runner):
    for path in _command_paths(app):
        result = runner.invoke(args=[*path, "--help"])
        assert result.exit_code == 0, path
        assert "Usage:" in result.output
        help_text = result.output.split("Options:")[0]
        assert any("\u3040" <= ch <= "\u9fff" for ch in help_text), f"{path} has no Japanese help"


def test_init_db_twice_is_harmless(empty_app):
    runner = empty_app.test_cli_runner()
    first = runner.invoke(args=["init-db"])
    second = runner.invoke(args=["init-db"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "データベースは最新です" in second.output
    assert "適用したマイグレーション" not in second.output
    conn = sqlite3.connect(empty_app.config["DATABASE"])
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_init_db_reports_versions_the_vocabulary_no_longer_reads(app, monkeypatch):
    from dataclasses import replace

    from audits.catalogue import service

    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    real = service.vocabulary()
    # As if an upgrade had removed the scale most items answer with.
    reduced = replace(real, scales={k: v for k, v in real.scales.items() if k != "implementation"})
    monkeypatch.setattr(service, "vocabulary", lambda: reduced)
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 1
    assert "NG: general 第1版:" in result.output and "implementation" in result.output
    assert "読めない登録済みの版" in result.output


def test_init_db_keeps_data(app, db):
    before = db.execute("SELECT count(*) FROM users").fetchone()[0]
    assert init_db(app.config["DATABASE"]) == []
    assert db.execute("SELECT count(*) FROM users").fetchone()[0] == before


def test_create_user_with_password(runner, db, client):
    result = runner.invoke(args=["create-user", "newstaff", "--role", "staff", "--dept", "shimin",
                                 "--password", "good-password1"])
    assert result.exit_code == 0, result.output
    from conftest import Auth

    Auth(client).login("newstaff", "good-password1")
    assert client.get("/").status_code == 200


def test_create_user_prompts_for_password(runner, db):
    result = runner.invoke(args=["create-user", "prompted", "--role", "chief"],
                           input="good-password1\ngood-password1\n")
    assert result.exit_code == 0, result.output
    assert db.execute("SELECT count(*) FROM users WHERE username = 'prompted'").fetchone()[0] == 1


@pytest.mark.parametrize("args,message", [
    (["x1", "--role", "staff", "--password", "good-password1"], "所属する課"),
    (["x2", "--role", "staff", "--dept", "nosuch", "--password", "good-password1"], "nosuch"),
    (["x3", "--role", "chief", "--password", "short"], "10文字以上"),
    (["shimin.staff", "--role", "chief", "--password", "good-password1"], "既に使われています"),
])
def test_create_user_refuses_bad_input(runner, db, args, message):
    result = runner.invoke(args=["create-user", *args])
    assert result.exit_code != 0
    assert message in result.output


def test_create_user_rejects_unknown_role(runner):
    result = runner.invoke(args=["create-user", "x", "--role", "boss", "--password", "good-password1"])
    assert result.exit_code != 0 and "boss" in result.output


def test_demo_prints_every_user_and_sets_password(empty_app):
    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["demo", "--password", "another-pass-9"])
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.output.strip().splitlines()]
    roles = {role for _, role, _ in lines}
    assert roles == {"chief", "auditor", "manager", "staff", "admin"}
    departments = {codes for _, role, codes in lines if role == "staff"}
    assert len(departments) >= 30
    assert ["shimin.manager", "manager", "shimin"] in lines
    client = empty_app.test_client()
    from conftest import Auth

    Auth(client).login("kenko.staff", "another-pass-9")
    assert "健康づくり課" in client.get("/").get_data(as_text=True)
    # Running it again resets the passwords and duplicates nothing.
    again = runner.invoke(args=["demo", "--password", "third-pass-77"])
    assert again.exit_code == 0 and again.output.count("\n") == len(lines)


def test_backup_and_restore(app, runner, tmp_path, client):
    uploads = tmp_path / "uploads" / "zz"
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "evidence.bin").write_bytes(b"evidence")
    dest = tmp_path / "backup"
    result = runner.invoke(args=["backup", str(dest)])
    assert result.exit_code == 0, result.output
    assert (dest / "tenken.db").exists() and (dest / "uploads" / "zz" / "evidence.bin").exists()
    assert '"database_sha256"' in (dest / "manifest.json").read_text(encoding="utf-8")
    # Restore per README: copy the database (and uploads) into place of a fresh instance.
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(dest / "tenken.db", restored / "tenken.db")
    shutil.copytree(dest / "uploads", restored / "uploads")
    from audits import create_app

    restored_app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE": str(restored / "tenken.db"),
                               "UPLOAD_FOLDER": str(restored / "uploads")})
    check = restored_app.test_cli_runner().invoke(args=["verify-log", "--anchor", str(dest / "manifest.json")])
    assert check.exit_code == 0, check.output
    conn = sqlite3.connect(restored / "tenken.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM users").fetchone()[0] > 70
    conn.close()


def test_backup_refuses_non_empty_destination(runner, tmp_path):
    dest = tmp_path / "full"
    dest.mkdir()
    (dest / "something").write_text("x")
    result = runner.invoke(args=["backup", str(dest)])
    assert result.exit_code != 0 and "空ではありません" in result.output
