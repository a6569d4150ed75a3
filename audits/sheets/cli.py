"""`flask --app app report sheet SHEET_ID -o FILE.pdf`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..activity import service as activity
from ..db import connect
from ..pia.values import sheet_title
from . import report_pdf, service


@click.command("sheet")
@click.argument("sheet_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="出力する PDF ファイル")
@with_appcontext
def sheet_command(sheet_id: int, output: Path):
    """点検票を A4 の PDF（課の保存用）に出力します。"""
    db = connect(current_app.config["DATABASE"])
    try:
        sheet = service.load_sheet(db, sheet_id)
        if sheet is None:
            raise click.ClickException(f"点検票 {sheet_id} はありません。")
        output.write_bytes(report_pdf.build(db, sheet, current_app.config["MUNICIPALITY_NAME"]))
        activity.record(db, "sheet.export", department_code=sheet["department_code"], object_type="sheet",
                        object_id=sheet_id, detail={"format": "pdf", "cli": str(output)})
    finally:
        db.conn.close()
    click.echo(f"{sheet['department_name']} {sheet_title(sheet)} を {output} に出力しました。")
