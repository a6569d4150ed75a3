"""Shared registries (the log's action labels, who may download which evidence) are filled by create_app, one app
at a time, never as a side effect of importing a module."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from flask import Flask

from audits.activity import service as activity
from audits.evidence import service as evidence

PROJECT = Path(__file__).resolve().parents[1]


def test_importing_every_module_registers_nothing():
    """A fresh interpreter imports every module of the package without create_app: the core label table is as
    declared and an app context has no labels and no evidence policy (a feature registering at import fails here)."""
    script = textwrap.dedent("""
        import importlib, pkgutil
        import flask
        import audits
        from audits.activity import service as activity
        declared = dict(activity.ACTION_LABELS)
        for module in pkgutil.walk_packages(audits.__path__, "audits."):
            importlib.import_module(module.name)
        assert activity.ACTION_LABELS == declared, set(activity.ACTION_LABELS) - set(declared)
        from audits.evidence import service as evidence
        bare = flask.Flask("bare")
        with bare.app_context():
            assert activity.action_labels() == {}, activity.action_labels()
            assert evidence.access_policies(bare) == {}
            assert not evidence.may_download(None, {"owner": "answer", "owner_id": 1})
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_create_app_registers_every_feature_once_per_app(make_app, tmp_path):
    first = make_app()
    second = make_app()
    for app in (first, second):
        assert set(evidence.access_policies(app)) == set(evidence.OWNERS)
        with app.app_context():
            labels = activity.action_labels()
            assert labels["login.success"] == "ログイン"
            assert labels["audit.create"] == "監査の登録"
            assert labels["incident.create"] == "漏えい等事案の登録"
            assert labels["summary.export"] == "全庁集計の出力"
    # Each app has its own tables: what one app gains the other does not see.
    activity.register_action_labels(first, {"test.only": "試験用の操作"})
    with first.app_context():
        assert activity.action_label("test.only") == "試験用の操作"
    with second.app_context():
        assert activity.action_label("test.only") == "記録された操作（test.only）"
    assert first.extensions["tenken.action_labels"] is not second.extensions["tenken.action_labels"]


def test_a_second_registration_that_disagrees_is_refused():
    app = Flask("bare")
    activity.register_action_labels(app, {"x.y": "一"})
    activity.register_action_labels(app, {"x.y": "一"})  # the same again is harmless
    with pytest.raises(ValueError):
        activity.register_action_labels(app, {"x.y": "二"})
    evidence.register_access_policy(app, "answer", lambda user, row: True)
    with pytest.raises(ValueError):
        evidence.register_access_policy(app, "answer", lambda user, row: False)


def test_the_log_filter_offers_every_feature_action(app, auth):
    auth.login("auditor")
    response = auth.client.get("/log/?action=audit.create")
    assert response.status_code == 200
    assert re.search(r'<option[^>]*value="audit.create"[^>]*>監査の登録</option>', response.get_data(as_text=True))
