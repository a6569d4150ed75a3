"""Every configuration key is documented in README.md (as datasette's test_settings_are_documented)."""
from __future__ import annotations

from pathlib import Path

from audits.config import SETTINGS, from_environment

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented_in_readme():
    text = README.read_text(encoding="utf-8")
    missing = [s.key for s in SETTINGS if f"`{s.key}`" not in text]
    assert missing == []


def test_environment_variables_are_typed():
    found = from_environment({"TENKEN_IDLE_TIMEOUT_MINUTES": "5", "TENKEN_SESSION_COOKIE_SECURE": "true",
                              "TENKEN_MUNICIPALITY_NAME": "さくら町", "OTHER": "x"})
    assert found == {"IDLE_TIMEOUT_MINUTES": 5, "SESSION_COOKIE_SECURE": True, "MUNICIPALITY_NAME": "さくら町"}


def test_municipality_name_appears_in_pages(make_app):
    app = make_app(MUNICIPALITY_NAME="さくら町")
    assert "さくら町" in app.test_client().get("/login").get_data(as_text=True)
