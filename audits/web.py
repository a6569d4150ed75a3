"""What every page shares: template filters, navigation by role, and error pages in Japanese."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError

from checklists.model import category_label, severity_label
from checklists.sources import human_text, source_label
from checklists.xlsx_reader import limit_errors

from . import roles, screen_dates
from .access import can_read_department_records, may_list_sheets
from .bounds import InvalidParameter
from .activity.service import action_label
from .departments.service import tag_label
from .sheets.answers import GAP_CATEGORIES
from .summary.scoring import NOT_APPLICABLE
from .paging import url_with

ERROR_MESSAGES = {
    400: ("リクエストを処理できません", "入力内容を確認して、もう一度お試しください。"),
    403: ("この操作は許可されていません", "この画面を表示する権限がありません。必要な場合はシステム管理者に連絡してください。"),
    404: ("ページが見つかりません", "指定されたページ又はデータは存在しません。"),
    405: ("この操作は許可されていません", "この方法ではこの画面を利用できません。"),
    413: ("ファイルが大きすぎます", "アップロードできるファイルの大きさには上限があります。"),
    500: ("システムエラーが発生しました", "処理を完了できませんでした。時間をおいて再度お試しいただき、解決しない場合はシステム管理者に連絡してください。"),
}


def wants_json() -> bool:
    """The request came from a page script (fetch with `Accept: application/json`), not from a form or a link."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def _error_page(code: int, detail: str | None = None):
    title, message = ERROR_MESSAGES[code]
    if wants_json():   # a script shows the message beside what it was doing
        return jsonify(ok=False, message=f"{title}。{detail or message}"), code
    return render_template("error.html", code=code, title=title, message=detail or message), code


def init_app(app: Flask) -> None:
    app.jinja_env.filters["role_label"] = roles.role_label
    app.jinja_env.filters["source_label"] = source_label   # GUIDE 4-8-5 -> 事務対応ガイド 4-8-5
    app.jinja_env.filters["human_text"] = human_text       # the same for codes inside free text
    app.jinja_env.filters["tag_label"] = tag_label
    app.jinja_env.filters["action_label"] = action_label
    screen_dates.init_app(app)                              # wareki, wareki_day, datetime, nendo
    app.jinja_env.filters["first_errors"] = limit_errors   # an import's error list, shortened for the page
    app.jinja_env.filters["dict_without_page"] = lambda args: {k: v for k, v in args.items() if k != "page"}
    app.jinja_env.filters["severity_label"] = severity_label   # stored key -> 高 / 中 / 低
    app.jinja_env.filters["category_label"] = category_label   # stored key -> 実施 / 課題あり（一部実施） / …
    app.jinja_env.globals["ROLE_LABELS"] = roles.ROLE_LABELS
    app.jinja_env.globals["GAP_CATEGORIES"] = sorted(GAP_CATEGORIES)
    app.jinja_env.globals["NOT_APPLICABLE"] = NOT_APPLICABLE
    app.jinja_env.globals["R"] = roles
    # Links follow the routes' own rules (access.py), so a page never shows a link that ends in 403.
    app.jinja_env.globals["can_read_department_records"] = can_read_department_records
    app.jinja_env.globals["may_list_sheets"] = may_list_sheets
    app.jinja_env.globals["url_with"] = url_with   # list links that keep the other filters (paging.py)

    @app.context_processor
    def _municipality():
        return {"municipality_name": app.config["MUNICIPALITY_NAME"]}

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        # Nothing of the session changes here (auth/sessions.py): a form posted from another site ends nobody's login.
        return _error_page(400, "不正な送信です（ほかのサイトから送られたフォーム、又は古い画面からの送信の可能性があります）。"
                                "この操作は受け付けませんでした。ログインの状態は変わっていません。"
                                "画面を再読み込みしてから、もう一度操作してください。")

    @app.errorhandler(InvalidParameter)
    def _invalid_parameter(error):
        return _error_page(400, error.description)

    for code in ERROR_MESSAGES:
        if code == 413:
            limit = app.config["MAX_UPLOAD_MB"]
            app.register_error_handler(413, lambda e, limit=limit: _error_page(
                413, f"アップロードできるファイルは {limit} MB までです。ファイルを分割するか小さくしてから、もう一度お試しください。"))
        else:
            app.register_error_handler(code, lambda e, code=code: _error_page(code))
