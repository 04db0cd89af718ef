"""Mendwell: the one entry point, `python -m streamlit run app.py`.

Streamlit reads this file twice over. When `streamlit run` starts, it imports
it to find `app`: the server, with the sign-in routes and their middleware in
front of the pages. Then every browser session runs it as a script
(`__name__ == "__main__"`): `ui.shell.run` finds who is signed in and draws
their navigation, sidebar and page. docs/architecture.md is the map.
"""

from __future__ import annotations

import streamlit as st

if __name__ == "__main__":
    from ui.shell import run

    run()
else:
    from server.middleware import middleware
    from server.routes import routes

    app = st.App("app.py", routes=routes(), middleware=middleware())
