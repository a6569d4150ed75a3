"""Tenken: the application package."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from . import config as config_module
from . import private_files

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_DIR / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(PACKAGE_DIR / "static"),
    )
    app.config.from_mapping(config_module.DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(config_module.from_environment())
    if test_config is not None:
        app.config.from_mapping(test_config)

    private_files.make_dir(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.persistent_secret_key(app.instance_path)
    if not app.config.get("LOG_KEY_FILE"):
        app.config["LOG_KEY_FILE"] = os.path.join(app.instance_path, "log_key")
    from .activity import service as activity

    activity.use_key(app, activity.load_key_file(app.config["LOG_KEY_FILE"]))
    if not app.config.get("DATABASE"):
        app.config["DATABASE"] = os.path.join(app.instance_path, "tenken.db")
    if not app.config.get("UPLOAD_FOLDER"):
        app.config["UPLOAD_FOLDER"] = os.path.join(app.instance_path, "uploads")
    # Flask refuses larger bodies with 413; leave room for the form fields around the file.
    app.config["MAX_CONTENT_LENGTH"] = (int(app.config["MAX_UPLOAD_MB"]) + 1) * 1024 * 1024
    # Files made by an older release (644) become private; SQLite's -wal/-shm follow the database's mode.
    private_files.tighten_database(app.config["DATABASE"])

    from . import blueprints, bounds, cli, db, security, web

    bounds.init_app(app)
    db.init_app(app)
    security.init_app(app)
    web.init_app(app)
    blueprints.register(app)
    cli.init_app(app)
    from .evidence.service import sweep_at_start

    sweep_at_start(app)
    return app
