"""One module per page; each has its HTML route and its JSON twin under /api."""

from __future__ import annotations

from fastapi import APIRouter

from stpi.web.views import account, admin, audit, counties, county_targets, data, departments, downloads, due, goalseek, inbox, indicators, maps, notify_settings, overview, plans, supervision, whatif

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = tuple(m.router for m in (account, overview, indicators, departments, counties, county_targets, maps, whatif, goalseek, data, due, supervision, inbox, notify_settings, downloads, audit, admin, plans))
