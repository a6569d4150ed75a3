"""`flask --app app report incident ID -o FILE.pdf`: the incident report for the 審議会 as a file."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import connect


@click.command("incident")
@with_appcontext
@click.argument("incident_id", type=int)
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="出力する PDF ファイル")
def incident_command(incident_id, output):
    """漏えい等事案の報告（審議会向け、A4 縦、PDF）を出力します。"""
    from ..activity import service as activity
    from ..timeutil import now
    from . import report_pdf, service

    db = connect(current_app.config["DATABASE"])
    try:
        incident = service.load_incident(db, incident_id)
        if incident is None:
            raise click.ClickException(f"漏えい等事案 {incident_id} は登録されていません。")
        pdf = report_pdf.render(incident, service.events(db, incident_id), current_app.config["MUNICIPALITY_NAME"],
                                now().date())
        activity.record(db, "incident.report_export", department_code=incident["department_code"],
                        object_type="incident", object_id=incident_id, detail={"cli": True})
    finally:
        db.conn.close()
    output.write_bytes(pdf)
    click.echo(f"漏えい等事案の報告を出力しました: {output}（{len(pdf):,} バイト）")
