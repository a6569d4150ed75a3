"""Sending pending notices by e-mail through the city's SMTP server (settings SMTP_* and MAIL_FROM).

A notice is marked sent only after the server accepted it; anything that fails (server down, login refused,
address refused) leaves it pending with the error, and the next `flask notify` run tries again."""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Mapping

from sqlite_utils import Database

from ..timeutil import now_iso
from . import categories as cat

TIMEOUT_SECONDS = 30


class MailSettingsError(Exception):
    """The settings cannot send mail (Japanese message)."""


def enabled(config: Mapping) -> bool:
    return bool(config.get("SMTP_HOST"))


def check_settings(config: Mapping) -> None:
    if enabled(config) and not config.get("MAIL_FROM"):
        raise MailSettingsError("SMTP_HOST を設定したときは MAIL_FROM（送信元アドレス）も設定してください。")


def pending(db: Database) -> list[dict]:
    """Notices waiting for their e-mail, with the address it goes to (a disabled user's are left waiting)."""
    return list(db.query(
        f"""SELECT n.*, u.email, u.display_name FROM notices n JOIN users u ON u.id = n.user_id
            WHERE n.mail_status = '{cat.MAIL_PENDING}' AND u.active = 1 AND coalesce(u.email, '') != ''
            ORDER BY n.id"""))


def compose(config: Mapping, notice: Mapping) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = notice["email"]
    message["Subject"] = notice["subject"]
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rpartition("@")[2] or None)
    body = f"{notice['display_name']} 様\n\n{notice['body']}\n"
    if notice["link"]:
        base = (config.get("PUBLIC_URL") or "").rstrip("/")
        body += f"\n{base}{notice['link']}\n" if base else f"\n（Tenken の画面: {notice['link']}）\n"
    body += f"\n--\nTenken 点検（{config['MUNICIPALITY_NAME']}）からの自動送信です。配信の設定はアカウントの画面で変えられます。\n"
    message.set_content(body, charset="utf-8")
    return message


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _record_failure(db: Database, notice_id: int, error: str) -> None:
    db.execute("UPDATE notices SET mail_attempts = mail_attempts + 1, mail_error = ? WHERE id = ?",
               [error[:500], notice_id])
    db.conn.commit()


def _connect(config: Mapping) -> smtplib.SMTP:
    server = smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=TIMEOUT_SECONDS)
    try:
        if config.get("SMTP_STARTTLS"):
            server.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USER"):
            server.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
    except BaseException:
        server.close()
        raise
    return server


def deliver(db: Database, config: Mapping) -> Outcome:
    """Send every pending notice over one connection; each is marked sent as soon as the server accepts it."""
    check_settings(config)
    outcome = Outcome()
    waiting = pending(db)
    if not waiting:
        return outcome
    try:
        server = _connect(config)
    except (OSError, smtplib.SMTPException) as error:
        reason = f"メールサーバーに接続できません: {error}"
        for notice in waiting:
            _record_failure(db, notice["id"], reason)
        outcome.failed = len(waiting)
        outcome.errors.append(reason)
        return outcome
    try:
        for index, notice in enumerate(waiting):
            try:
                server.send_message(compose(config, notice))
            except smtplib.SMTPServerDisconnected as error:
                reason = f"送信中にメールサーバーとの接続が切れました: {error}"
                for rest in waiting[index:]:
                    _record_failure(db, rest["id"], reason)
                outcome.failed += len(waiting) - index
                outcome.errors.append(reason)
                break
            except (OSError, smtplib.SMTPException) as error:
                _record_failure(db, notice["id"], f"{notice['email']}: {error}")
                outcome.failed += 1
                outcome.errors.append(f"{notice['email']}: {error}")
                continue
            db.execute(f"UPDATE notices SET mail_status = '{cat.MAIL_SENT}', mailed_at = ?, mail_error = NULL, "
                       "mail_attempts = mail_attempts + 1 WHERE id = ?", [now_iso(), notice["id"]])
            db.conn.commit()
            outcome.sent += 1
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
    return outcome
