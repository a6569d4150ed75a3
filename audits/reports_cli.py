"""`flask --app app report …`: the reports as files (each feature adds its subcommand here)."""
from __future__ import annotations

import click

from .audit.cli import audit_command
from .incidents.cli import incident_command
from .pia.cli import pia_command
from .sheets.cli import sheet_command
from .summary.cli import ppc_command, summary_command

report = click.Group("report", help="報告書を出力します。")
report.add_command(summary_command)
report.add_command(sheet_command)
report.add_command(audit_command)
report.add_command(incident_command)
report.add_command(pia_command)
report.add_command(ppc_command)
