"""`flask --app app report audit AUDIT_ID -o FILE.pdf`: the 監査報告書 as a file."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import connect
from .cover import NUMBER_MAX


@click.command("audit")
@with_appcontext
@click.argument("audit_id", type=int)
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="出力する PDF ファイル")
@click.option("--version", "version", type=int, default=None, help="発行済みの版の番号（省略時は最新の版）")
@click.option("--draft", is_flag=True, help="発行済みの版ではなく、現在の案（「案」の表示付き）を出力する")
@click.option("--cover", is_flag=True, help="報告書ではなく、審議会に報告する表紙の報告（報告資料No.6-1 の形）を出力する")
@click.option("--cover-material", default="", help="表紙の報告の報告資料の番号（例: 報告資料Ｎｏ．６－１）")
@click.option("--cover-number", type=click.IntRange(1, NUMBER_MAX), default=None, help="表紙の報告の報告第N号の N")
def audit_command(audit_id, output, version, draft, cover, cover_material, cover_number):
    """監査報告書（A4 縦、PDF）を出力します。発行済みなら発行した版、未発行なら案を出力します。"""
    from ..activity import service as activity
    from . import cover as cover_pdf
    from . import workflow
    from .permissions import load_audit
    from .plans import AuditError

    db = connect(current_app.config["DATABASE"])
    try:
        audit = load_audit(db, audit_id)
        if audit is None:
            raise click.ClickException(f"監査 {audit_id} は登録されていません。")
        municipality = current_app.config["MUNICIPALITY_NAME"]
        try:
            if cover:
                pdf = cover_pdf.render(cover_pdf.cover_content(
                    db, audit, municipality, cover_pdf.CoverSettings.from_config(current_app.config),
                    version=version, draft=draft, material=cover_material, number=cover_number))
            else:
                pdf, _name = workflow.report_pdf_bytes(db, audit, municipality, version=version,
                                                       draft=draft or not audit["issued_at"])
        except AuditError as error:
            raise click.ClickException(str(error))
        activity.record(db, "audit.report_export", department_code=audit["department_code"], object_type="audit",
                        object_id=audit_id, detail={"cli": True, "version": version, "draft": draft,
                                                    **({"cover": True} if cover else {})})
    finally:
        db.conn.close()
    output.write_bytes(pdf)
    state = "案" if draft or not audit["issued_at"] else "発行済みの版"
    what = "監査報告書の表紙の報告" if cover else "監査報告書"
    click.echo(f"{what}（{state}）を出力しました: {output}（{len(pdf):,} バイト）")
