"""Static files the app's pages load besides Streamlit's own: plotly.js, from the installed plotly package.

Served before the app and to anyone (it is the public library, nothing of a person), under an address that
names the plotly version, so the browser keeps it until plotly is upgraded.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from mendwell.charts import PLOTLY_JS_FILE, PLOTLY_JS_URL


async def plotly_js(request: Request) -> Response:
    """The plotly.js the screen's charts are drawn with."""
    return FileResponse(
        PLOTLY_JS_FILE,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"},
    )


def asset_routes() -> list[BaseRoute]:
    """The routes of the static files."""
    return [Route(PLOTLY_JS_URL, plotly_js, methods=["GET"])]
