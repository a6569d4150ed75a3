"""`flask --app app report pia --year 2025 -o FILE.xlsx|FILE.pdf`: the report per 評価書 as a file."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..bounds import YEAR_MAX, YEAR_MIN
from ..db import connect

FORMATS = (".xlsx", ".pdf")


@click.command("pia")
@with_appcontext
@click.option("--year", type=click.IntRange(YEAR_MIN, YEAR_MAX), required=True, help="年度（西暦、例: 2025）")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="出力するファイル（.xlsx 又は .pdf）")
def pia_command(year: int, output: Path):
    """特定個人情報保護評価書ごとの点検結果（委員会の区分）を Excel 又は PDF に出力します。"""
    from ..activity import service as activity
    from . import report, report_files

    suffix = output.suffix.lower()
    if suffix not in FORMATS:
        raise click.ClickException("出力ファイルの拡張子は .xlsx 又は .pdf にしてください。")
    municipality = current_app.config["MUNICIPALITY_NAME"]
    db = connect(current_app.config["DATABASE"])
    try:
        results = report.assessment_results(db, year)
        data = (report_files.to_xlsx if suffix == ".xlsx" else report_files.to_pdf)(results, year, municipality)
        activity.record(db, "pia.report_export", detail={"year": year, "format": suffix[1:], "cli": str(output)})
    finally:
        db.conn.close()
    output.write_bytes(data)
    click.echo(f"評価書 {len(results)} 件の点検結果を出力しました: {output}")
