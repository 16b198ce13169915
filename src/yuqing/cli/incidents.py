"""Commands of the plan engine: plan check, duty roster, incidents, accountability reports."""

from __future__ import annotations

import typer

plan_app = typer.Typer(help="The emergency plan: check a plan file.", no_args_is_help=True)
roster_app = typer.Typer(help="Duty roster and directory.", no_args_is_help=True)
incidents_app = typer.Typer(help="Incidents: list, open, acknowledge.", no_args_is_help=True)
report_app = typer.Typer(help="Accountability reports.", no_args_is_help=True)
