"""The Streamlit side of Mendwell: what every page shares (resources, session state, gates, sharing).

Page scripts in `app_pages/` draw; they get everything they need from `ui.page.page_setup()`.
Nothing here holds a rule of the product: rules live in the `mendwell` package.
"""
