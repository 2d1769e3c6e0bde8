"""The ``stpi report`` group: documents and exports the plan calls for."""

from __future__ import annotations

import typer

from stpi.cli.root import app

report_app = typer.Typer(help="报告与导出:预警、县区、考核、工作簿 Reports and exports.", no_args_is_help=True)
app.add_typer(report_app, name="report")
