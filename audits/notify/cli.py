"""`flask --app app notify`: make today's digests and mail every pending notice (cron / Windows タスク スケジューラ)."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import connect, transaction
from . import digest, mailer
from .service import add, exists


@click.command("notify")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="送信も記録もせず、作成・送信する予定のお知らせを一覧表示します")
def notify_command(dry_run: bool):
    """期限のお知らせ（1人1日1通まで）を作成し、未送信のお知らせをメールで送ります。
    送信済みのものは二度と送りません。メールサーバーに届かなかったものは次回の実行で再送します。"""
    config = current_app.config
    try:
        mailer.check_settings(config)
    except mailer.MailSettingsError as error:
        raise click.ClickException(str(error))
    db = connect(config["DATABASE"])
    try:
        digests = [notice for notice in digest.build(db) if not exists(db, notice.key)]
        if dry_run:
            _list_planned(db, digests, config)
            return
        with transaction(db):
            made = sum(add(db, notice) for notice in digests)
        click.echo(f"期限のお知らせを {made} 件作成しました。")
        if not mailer.enabled(config):
            click.echo("メール送信は設定されていません（SMTP_HOST）。お知らせは画面にだけ表示されます。")
            return
        outcome = mailer.deliver(db, config)
    finally:
        db.conn.close()
    click.echo(f"メールを {outcome.sent} 通送信しました。")
    if outcome.failed:
        click.echo(f"メール {outcome.failed} 通を送信できませんでした（次回の実行で再送します）: "
                   + "；".join(dict.fromkeys(outcome.errors)), err=True)
        sys.exit(1)


def _list_planned(db, digests, config) -> None:
    email = {row[0]: row[1] for row in db.execute("SELECT id, coalesce(email, '') FROM users")}
    click.echo(f"作成する期限のお知らせ: {len(digests)} 件")
    for notice in digests:
        click.echo(f"  {email.get(notice.user_id) or '（画面のみ）'}\t{notice.subject}")
    waiting = mailer.pending(db)
    planned = [n for n in digests if email.get(n.user_id)]
    if not mailer.enabled(config):
        click.echo("メール送信は設定されていません（SMTP_HOST）。メールは送りません。")
        return
    click.echo(f"送信するメール: {len(waiting) + len(planned)} 通")
    for notice in waiting:
        click.echo(f"  {notice['email']}\t{notice['subject']}")
    for notice in planned:
        click.echo(f"  {email[notice.user_id]}\t{notice.subject}")
    click.echo("（--dry-run: 何も送信・記録していません）")
