"""The ``stpi`` command: parses options, calls one service function, renders."""

from stpi.cli import index, plans, track, goalseek, forecast, uncertainty, report, report_checks, report_assessment, report_workbook, report_bulletin, data, rounds, notify, supervise, web, demo  # noqa: F401, I001  (registers the commands, in help order)
from stpi.cli.root import app, main

__all__ = ["app", "main"]
