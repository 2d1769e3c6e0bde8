"""The admin page's data: accounts, the departments and counties they may belong to, and the settings."""

from __future__ import annotations

from typing import Any

from stpi.readmodel import Snapshot
from stpi import service
from stpi.i18n import get_lang
from stpi.store.rules import ROLES
from stpi.store.settings import SETTINGS, settings

__all__ = ["accounts_page"]


def accounts_page(snap: Snapshot) -> dict[str, Any]:
    """Every account (never deleted: disabled ones stay listed), the choices for a new one, every setting."""
    store = snap.source  # the audit trail and live lists are read from the store itself
    plan = snap.plan()
    city = snap.region(plan.region)
    values = settings(store)
    en = get_lang() == "en"
    names = {d.code: d.label(get_lang()) for d in plan.departments} | {r.code: r.name_en if en and r.name_en else r.name for r in snap.regions()}
    return {
        "users": [{"username": u.username, "display_name": u.display_name, "role": u.role, "department": u.department, "region": u.region,
                   "unit": names.get(u.department or u.region or "", ""), "active": u.active, "has_password": u.has_password} for u in store.users()],
        "roles": list(ROLES),
        "departments": [{"code": d.code, "name": d.label(get_lang())} for d in plan.departments],
        "counties": [{"code": r.code, "name": r.name_en if en and r.name_en else r.name} for r in snap.regions(level="county") if r.parent == city.code],
        "settings": [{"key": s.key, "value": values[s.key], "default": s.default, "kind": s.kind.__name__, "text": s.en if en else s.zh} for s in SETTINGS],
    }
