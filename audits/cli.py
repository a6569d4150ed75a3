"""Command-line tools: `flask --app app <command>`. Every command has help text (tested)."""
from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask import Flask, current_app
from sqlite_utils import Database

from . import private_files, roles
from .activity import anchors
from .activity import service as activity
from .auth import service as users
from .db import connect, transaction
from .evidence import storage


def _db():
    return connect(current_app.config["DATABASE"])


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", "role_keys", multiple=True, required=True, type=click.Choice(roles.ROLES),
              help="役割（複数指定可）: chief=総括保護管理者, auditor=監査責任者・監査員, manager=保護管理者, "
                   "staff=保護担当者, admin=システム管理者")
@click.option("--dept", "departments", multiple=True, metavar="CODE", help="所属する課の課コード（複数指定可）")
@click.option("--name", "display_name", default="", help="氏名（省略時は利用者ID）")
@click.option("--password", default=None, help="パスワード（省略時は入力を求めます）")
@click.option("--email", default="", help="お知らせを送るメールアドレス（省略時は画面のお知らせだけ）")
def create_user_command(username, role_keys, departments, display_name, password, email):
    """利用者を登録します。"""
    if password is None:
        password = click.prompt("パスワード", hide_input=True, confirmation_prompt="パスワード（確認）")
    db = _db()
    try:
        user_id = users.create_user(db, username, display_name or username, password, list(role_keys),
                                    list(departments), email=email)
    except users.UserError as error:
        raise click.ClickException(str(error))
    finally:
        db.conn.close()
    click.echo(f"利用者 {username}（id {user_id}）を登録しました。")


@click.command("verify-log")
@with_appcontext
@click.option("--anchor", "anchor_files", multiple=True, metavar="FILE",
              help="アンカーファイル（log-anchor の出力）又はバックアップの manifest.json。"
                   "操作ログがそこに記録された行に今も到達しているかも確かめます（複数指定可）")
def verify_log_command(anchor_files):
    """操作ログのハッシュチェーンを鍵で検証します（改ざん・削除があれば最初の不正な行を示して終了コード1）。
    --anchor を付けると、末尾の削除・古いバックアップへの巻き戻し・書き換えも検出します。"""
    try:
        found = [anchor for path in anchor_files for anchor in anchors.read(path)]
    except anchors.AnchorError as error:
        _fail(f"操作ログの検証に失敗しました: {error}")
    db = _db()
    try:
        result = activity.verify(db)
        problems = anchors.check(db, found) if result.ok and found else []
    finally:
        db.conn.close()
    if not result.ok:
        _fail(f"操作ログの検証に失敗しました: {result.reason}（正常に検証できた行: {result.rows}）")
    if problems:
        _fail("操作ログの検証に失敗しました: 操作ログがアンカーに到達していません。\n" + "\n".join(problems))
    message = f"操作ログは正常です（{result.rows} 行を検証しました）。"
    if found:
        latest = max(found, key=lambda anchor: anchor.id)
        message += f"アンカー {len(found)} 件すべてに到達しています（最新: 行 {latest.id}、{latest.at}）。"
    click.echo(message)


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@click.command("log-anchor")
@with_appcontext
@click.option("-o", "--output", required=True, metavar="FILE", type=click.Path(dir_okay=False, path_type=Path),
              help="追記するファイル（別のサーバーや書き換えできない媒体など、データベースとは別の場所）")
def log_anchor_command(output: Path):
    """操作ログの最新の行（行番号・ハッシュ・時刻）をアンカーとして FILE に1行追記します。
    verify-log --anchor FILE で、操作ログがその行に今も到達しているかを確かめられます。"""
    try:
        f = output.open("a", encoding="utf-8")
    except OSError as error:
        raise click.ClickException(f"{output} に書き込めません（{error.strerror}）")
    with f:
        db = _db()
        try:
            with transaction(db):
                activity.record(db, "log.anchor", detail={"file": str(output)})
                current = activity.head(db)
        finally:
            db.conn.close()
        anchors.write(f, current)
    click.echo(f"アンカーを {output} に追記しました: 行 {current['id']}、{current['at']}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@click.command("backup")
@with_appcontext
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
def backup_command(dest: Path):
    """データベース（SQLite オンラインバックアップ）と証跡ファイルを DEST フォルダに保存します（所有者だけが読めます）。"""
    if dest.exists() and any(dest.iterdir()):
        raise click.ClickException(f"{dest} は空ではありません。新しいフォルダを指定してください。")
    private_files.make_dir(dest)
    source = _db()
    target_path = dest / "tenken.db"
    import sqlite3

    private_files.create_empty(target_path)  # SQLite then keeps its mode (600), journal files included
    target = sqlite3.connect(target_path)
    try:
        activity.record(source, "backup", detail={"dest": str(dest)})
        source.conn.backup(target)  # consistent snapshot even while others write
        # Sessions are not data to restore: a restored copy must not revive sessions ended since the backup.
        target.execute("DELETE FROM sessions")
        target.commit()
        log_head = activity.head(Database(target))  # the copy's own last row: an anchor for verify-log
    finally:
        target.close()
        source.conn.close()
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    files = {}
    if uploads.exists():
        shutil.copytree(uploads, dest / "uploads", ignore=shutil.ignore_patterns("*.part", storage.TMP,
                                                                                  storage.QUARANTINE))
        files = {str(p.relative_to(dest)): _sha256(p) for p in sorted((dest / "uploads").rglob("*")) if p.is_file()}
        for copied in (dest / "uploads", *(dest / "uploads").rglob("*")):
            private_files.tighten(copied)
    manifest = {"database": "tenken.db", "database_sha256": _sha256(target_path), "log_head": log_head,
                "files": files}
    private_files.write_bytes(dest / "manifest.json",
                              json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
    click.echo(f"バックアップを作成しました: {dest}（データベース 1、証跡ファイル {len(files)}）")


@click.command("demo")
@with_appcontext
@click.option("--password", default=None,
              help="すべてのデモ利用者のパスワード（省略時は README 記載の既定値）")
def demo_command(password):
    """デモ用の市（みどり市）の組織・利用者を投入し、利用者を「利用者ID<TAB>役割<TAB>課コード」で表示します。"""
    from . import demo
    from .db import init_db

    init_db(current_app.config["DATABASE"])
    db = _db()
    try:
        demo_users = demo.load(db, password=password or demo.DEFAULT_PASSWORD,
                               upload_folder=current_app.config["UPLOAD_FOLDER"])
    except demo.DemoError as error:
        raise click.ClickException(str(error))
    finally:
        db.conn.close()
    for user in demo_users:
        click.echo(f"{user.username}\t{user.role}\t{','.join(user.departments)}")


def init_app(app: Flask) -> None:
    for command in (create_user_command, verify_log_command, log_anchor_command, backup_command,
                    demo_command):
        app.cli.add_command(command)
    from .catalogue.cli import checklists_cli
    app.cli.add_command(checklists_cli)
    from .reports_cli import report
    app.cli.add_command(report)
    from .notify.cli import notify_command
    app.cli.add_command(notify_command)
