"""A real browser (Debian's chromium driven by Playwright) against the app served on loopback."""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from audits import create_app

CHROMIUM = "/usr/bin/chromium"
SERVERS: dict[str, str] = {}  # base URL -> database path, for tests that look into the database
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture
def live_server(tmp_path, demo_template):
    db_path = tmp_path / "tenken.db"
    shutil.copy(demo_template, db_path)
    shutil.copytree(demo_template.parent / "uploads", tmp_path / "uploads", copy_function=os.link)
    app = create_app({"SECRET_KEY": "e2e-secret", "DATABASE": str(db_path),
                      "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    SERVERS[base] = str(db_path)
    yield base
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="ja-JP", viewport={"width": 1024, "height": 768})
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        context.close()
        browser.close()
