"""`flask --app app report summary --year 2025 -o FILE.pdf` (or `--format xlsx`, or `csv` for the raw answers)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import connect


@click.command("summary")
@with_appcontext
@click.option("--year", type=int, required=True, help="年度（西暦の開始年。例: 2025 = 令和７年度）")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="出力するファイル")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx", "csv"]), default=None,
              help="pdf、xlsx 又は csv（回答の一覧）。省略時は出力ファイルの拡張子から判断、既定は pdf")
@click.option("--bureau", "bureau_code", default="", metavar="CODE", help="部コードで絞り込む")
@click.option("--tag", default="", help="課のタグで絞り込む（例: mynumber）")
def summary_command(year, output, fmt, bureau_code, tag):
    """全庁の集計報告（総括保護管理者あて）を PDF 又は Excel で、回答の一覧を CSV で出力します。"""
    from ..departments.service import profile_tags
    from . import queries, report_csv
    from .queries import Scope
    from .routes import export, record_export

    suffix = output.suffix.lower().lstrip(".")
    fmt = fmt or (suffix if suffix in ("xlsx", "csv") else "pdf")
    db = connect(current_app.config["DATABASE"])
    try:
        bureau_id = None
        if bureau_code:
            row = db.execute("SELECT id FROM bureaus WHERE code = ?", [bureau_code]).fetchone()
            if row is None:
                raise click.ClickException(f"部コード {bureau_code} は登録されていません。")
            bureau_id = row[0]
        if tag and tag not in profile_tags():
            raise click.ClickException(f"タグ {tag} はありません。使えるタグ: {', '.join(profile_tags())}")
        scope = Scope(year, bureau_id, tag)
        if fmt == "csv":
            with output.open("w", encoding="utf-8", newline="") as file:
                for chunk in report_csv.render(queries.raw_answers(db, scope)):
                    file.write(chunk)
            record_export(db, scope, "csv")
            click.echo(f"回答の一覧を出力しました: {output}（{output.stat().st_size:,} バイト）")
            return
        data = export(db, scope, fmt, municipality=current_app.config["MUNICIPALITY_NAME"], author="")
    finally:
        db.conn.close()
    output.write_bytes(data)
    click.echo(f"全庁の集計報告を出力しました: {output}（{len(data):,} バイト）")


@click.command("ppc")
@with_appcontext
@click.option("--year", type=int, required=True, help="年度（西暦の開始年。例: 2025 = 令和７年度）")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="出力するファイル（.pdf 又は .xlsx）")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx"]), default=None,
              help="pdf 又は xlsx。省略時は出力ファイルの拡張子から判断、既定は pdf")
def ppc_command(year, output, fmt):
    """個人情報保護委員会への定期的な報告（個別テーマ）の回答案を、機関ごとに PDF 又は Excel で出力します。"""
    from .routes import export_ppc

    if not 1900 < year < 3000:
        raise click.ClickException(f"年度 {year} は正しくありません（例: 2025）。")
    fmt = fmt or ("xlsx" if output.suffix.lower() == ".xlsx" else "pdf")
    db = connect(current_app.config["DATABASE"])
    try:
        data = export_ppc(db, year, fmt, municipality=current_app.config["MUNICIPALITY_NAME"])
    finally:
        db.conn.close()
    output.write_bytes(data)
    click.echo(f"定期的な報告の回答案を出力しました: {output}（{len(data):,} バイト）")
