"""Downloading evidence: only for those who may read what it belongs to, as an attachment, logged."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, send_file
from flask_login import current_user, login_required

from ..access import deny
from ..activity import service as activity
from ..db import get_db
from . import service, storage

bp = Blueprint("evidence", __name__, url_prefix="/evidence")
MISSING = "ファイルが見つかりません"


def get_evidence(evidence_id: int) -> dict:
    """Load an evidence row and check the current user may download it (403 is logged)."""
    db = get_db()
    row = service.load(db, evidence_id)
    if row is None:
        abort(404)
    code = db.execute("SELECT code FROM departments WHERE id = ?", [row["department_id"]]).fetchone()[0]
    row["department_code"] = code
    if not service.may_download(current_user, row):
        deny(f"証跡（番号 {evidence_id}）を閲覧する権限がありません", code)
    return row


@bp.route("/<id:evidence_id>/download")
@login_required
def download(evidence_id: int):
    row = get_evidence(evidence_id)
    if row["removed_at"]:
        abort(404)
    if not storage.exists(current_app.config["UPLOAD_FOLDER"], row["stored_name"]):
        current_app.logger.error("Evidence %s: file %s is missing", evidence_id, row["stored_name"])
        return render_template(
            "error.html", code=404, title=MISSING,
            message=f"「{row['original_name']}」の記録はありますが、ファイルがサーバーにありません。"
                    "システム管理者に連絡してください（バックアップから戻せる場合があります）。"), 404
    path = storage.path_of(current_app.config["UPLOAD_FOLDER"], row["stored_name"])
    activity.record(get_db(), "evidence.download", department_code=row["department_code"],
                    object_type="evidence", object_id=evidence_id,
                    detail={"name": row["original_name"], "sha256": row["sha256"]})
    response = send_file(path, mimetype=row["content_type"], as_attachment=True,
                         download_name=row["original_name"], max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
