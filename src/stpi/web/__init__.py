"""The web app: the plan's dashboard, data entry and approval, with accounts and roles.

Every page is rendered on the server from a context dict (Jinja2, autoescape on) and has a JSON
twin under ``/api`` that returns the same context; charts are drawn in the browser by plotly.js,
served from the ``plotly`` package installed with stpi (no CDN).
"""

from stpi.web.app import create_app

__all__ = ["create_app"]
