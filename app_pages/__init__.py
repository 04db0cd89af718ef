"""Page scripts: each is run by `st.navigation` in app.py, draws one page, and holds no rules."""
