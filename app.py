"""Tenken (点検): entry point.

`flask --app app run` or `python app.py` serves the application; `create_app()` is
the application factory used by both, by the tests and by the CLI.
"""
from audits import create_app

__all__ = ["create_app"]


def main() -> None:
    """Serve with waitress, the pure-Python WSGI server that also runs on Windows."""
    from waitress import serve

    from audits.config import server_options
    from audits.evidence.storage import sweep_temporary

    app = create_app()
    # Half-written uploads from a crash are never visible; clear them before serving.
    sweep_temporary(app.config["UPLOAD_FOLDER"])
    host = app.config["HOST"]
    port = app.config["PORT"]
    print(f"Tenken: http://{host}:{port}/ で待ち受けています（Ctrl+C で停止）")
    serve(app, host=host, port=port, **server_options(app.config))


if __name__ == "__main__":
    main()
