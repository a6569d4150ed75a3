"""Fixtures shared by the tests: a fresh database per test, the demo municipality, logged-in clients."""
from __future__ import annotations

import os
import re
import shutil
import sqlite3

import pytest

from audits import create_app, demo
from audits.db import connect, init_db

DEMO_PASSWORD = "test-demo-pass1"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')

# Tests that take seconds each: a real browser, a killed server, a synthetic city, the benchmark.
# `pytest -m "not slow"` leaves them out; CI runs everything.
SLOW_FILES = {"test_faults.py", "test_summary_scale.py", "test_bench_smoke.py"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "e2e" in item.path.parts or item.path.name in SLOW_FILES or item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def log_key_file(tmp_path_factory):
    """One activity-log key for the whole session, outside the project's instance/ folder: every app (and the
    servers started as subprocesses, through the environment) chains and verifies the log with it."""
    path = tmp_path_factory.mktemp("log_key") / "log_key"
    os.environ["TENKEN_LOG_KEY_FILE"] = str(path)
    yield path
    os.environ.pop("TENKEN_LOG_KEY_FILE", None)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """A database with the demo municipality, built once and copied for each test that wants it."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "demo.db"
    with _make_app(folder, path).app_context():
        init_db(str(path))
        db = connect(str(path))
        demo.load(db, password=DEMO_PASSWORD, upload_folder=str(folder / "uploads"))
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.conn.close()
    return path


def _make_app(tmp_path, db_path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE": str(db_path),
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def make_app(tmp_path, demo_template):
    """Build an app on a copy of the demo database; keyword arguments override settings."""

    def factory(**overrides):
        db_path = tmp_path / "tenken.db"
        if not db_path.exists():
            shutil.copy(demo_template, db_path)
            # The demo's evidence files are only read by tests: a copy of the folder would cost
            # seconds per test, so each test gets a private folder with links to the demo's files.
            shutil.copytree(demo_template.parent / "uploads", tmp_path / "uploads", copy_function=os.link)
        return _make_app(tmp_path, db_path, **overrides)

    return factory


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def empty_app(tmp_path):
    """An app on a new, empty (migrated) database."""
    db_path = tmp_path / "empty.db"
    init_db(str(db_path))
    return _make_app(tmp_path, db_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    database = connect(app.config["DATABASE"])
    yield database
    database.conn.close()


def csrf_token(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    found = CSRF_META.search(html)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


class Auth:
    """Log a test client in and out as a demo user, through the real forms."""

    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = DEMO_PASSWORD, follow_redirects=False):
        token = csrf_token(self.client, "/login")
        return self.client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                                follow_redirects=follow_redirects)

    def logout(self):
        token = csrf_token(self.client, "/")
        return self.client.post("/logout", data={"csrf_token": token})

    def post(self, path: str, data: dict | None = None, **kwargs):
        """POST with a valid CSRF token, as a browser that loaded a page of the app would."""
        payload = dict(data or {})
        payload.setdefault("csrf_token", csrf_token(self.client, "/"))
        return self.client.post(path, data=payload, **kwargs)


@pytest.fixture
def auth(client):
    return Auth(client)


def department_id(db, code: str) -> int:
    return db.execute("SELECT id FROM departments WHERE code = ?", [code]).fetchone()[0]


def raw_connection(app) -> sqlite3.Connection:
    return sqlite3.connect(app.config["DATABASE"])


def pass_idle_time(app, minutes: float) -> None:
    """As if nobody had used any session for `minutes` (sessions live in the database, not in the cookie)."""
    with raw_connection(app) as conn:
        conn.execute("UPDATE sessions SET last_seen = last_seen - ?", [minutes * 60])
    conn.close()
