"""Configuration keys, their defaults and what each one means.

Order of precedence (later wins): the defaults below, `config.py` in the instance
folder, environment variables `TENKEN_<KEY>`, and the mapping passed to
`create_app(test_config)`. README.md documents every key (a test checks it).
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("SECRET_KEY", None,
            "Key that signs session cookies. If unset, a random key is generated once and kept in "
            "instance/secret_key (mode 600)."),
    Setting("LOG_KEY_FILE", None,
            "File holding the key of the activity log's chain (HMAC-SHA256). If unset, instance/log_key, "
            "created with a random key on first start (mode 600). Keep a copy apart from the backups."),
    Setting("DATABASE", None,
            "Path of the SQLite database file. Default: instance/tenken.db."),
    Setting("UPLOAD_FOLDER", None,
            "Folder for evidence files, outside the web root. Default: instance/uploads."),
    Setting("MAX_UPLOAD_MB", 20, "Largest evidence file accepted, in megabytes."),
    Setting("IDLE_TIMEOUT_MINUTES", 30,
            "Minutes without a request after which a user is logged off (自動ログオフ)."),
    Setting("LOGIN_MAX_FAILURES", 5,
            "Failed logins for one user name within LOGIN_LOCKOUT_MINUTES that lock it."),
    Setting("LOGIN_LOCKOUT_MINUTES", 15,
            "Length of the window for counting failed logins, and of the lock-out."),
    Setting("MUNICIPALITY_NAME", "みどり市", "Name of the local government shown in pages and reports (団体名)."),
    Setting("PRIVACY_OFFICE", "",
            "部 and 課 of the privacy office as printed under the date of the cover 報告 of an audit report "
            "(所管), e.g. 総務部区政情報課. Empty: the line is left blank."),
    Setting("ORDINANCE_AUDIT_ARTICLE", "",
            "Article of the city's 条例 under which the 監査責任者 audits, as the cover 報告 cites it, e.g. 第５条第５項. "
            "Empty: the cover cites no article."),
    Setting("COUNCIL_NAME", "",
            "Name of the 審議会 that incidents are reported to, as the cover 報告 names it, e.g. "
            "みどり市情報公開・個人情報保護審議会. Empty: 「審議会」."),
    Setting("SESSION_COOKIE_SECURE", False,
            "Send the session cookie over HTTPS only. Set to true when served behind TLS."),
    Setting("INCIDENT_PROMPT_DAYS", 5,
            "Days after 覚知 by which the app expects the 速報 and the 本人通知 that the rules ask 「速やかに」 "
            "(a target, not the law). Default: the upper end of the 委員会 guideline's 目安 (概ね3〜5日以内とされる); "
            "confirm against its latest text."),
    Setting("SMTP_HOST", "",
            "Host name of the city's mail server (SMTP). Empty: no e-mail is sent, notices appear in the app only."),
    Setting("SMTP_PORT", 587, "Port of the mail server (587 for submission with STARTTLS, 25 inside the LGWAN)."),
    Setting("SMTP_STARTTLS", True, "Switch the connection to TLS (STARTTLS) before logging in and sending."),
    Setting("SMTP_USER", "", "User name for SMTP authentication. Empty: send without logging in."),
    Setting("SMTP_PASSWORD", "", "Password for SMTP authentication (keep it in instance/config.py or the environment)."),
    Setting("MAIL_FROM", "", "Sender address of the notices (From:), e.g. tenken@city.example.jp. Required with SMTP_HOST."),
    Setting("PUBLIC_URL", "",
            "Address of the app as users open it, e.g. https://tenken.city.example.jp; mails link to pages under it."),
    Setting("HOST", "127.0.0.1", "Address `python app.py` listens on."),
    Setting("PORT", 8000, "Port `python app.py` listens on."),
    Setting("SERVER_THREADS", 8, "Worker threads of the waitress server started by `python app.py`."),
    Setting("SERVER_CONNECTION_LIMIT", 400,
            "Open connections waitress accepts (`python app.py`); more wait unanswered. waitress's own default, 100, "
            "stalls 200 people at a deadline (each browser keeps one or more connections open for 2 minutes); "
            "keep it under 500 on Windows (select() limit)."),
)

DEFAULTS = {s.key: s.default for s in SETTINGS}


def server_options(config) -> dict[str, int]:
    """waitress's options from the settings: `python app.py` and the benchmark's server serve alike."""
    return {"threads": int(config["SERVER_THREADS"]), "connection_limit": int(config["SERVER_CONNECTION_LIMIT"])}


def _coerce(value: str, default: Any) -> Any:
    """Turn an environment variable string into the type of the default."""
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    return value


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    found = {}
    for setting in SETTINGS:
        name = f"TENKEN_{setting.key}"
        if name in environ:
            found[setting.key] = _coerce(environ[name], setting.default)
    return found


def persistent_secret_key(instance_path: str) -> str:
    """Read instance/secret_key, creating it with a random key the first time."""
    return persistent_key(Path(instance_path) / "secret_key")


def persistent_key(path: str | Path) -> str:
    """Read a key file, creating it with a random key (hex, mode 600) the first time."""
    path = Path(path)
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key)
    return key
