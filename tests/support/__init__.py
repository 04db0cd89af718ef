"""Helpers shared by the test suite: one definition each, imported where needed.

- `paths`: where the project, its app, its questionnaires and the test artifacts are.
- `ui`: the app's page paths and labels the tests look for.
- `data`: database files, couples, check-ins and answers written through the real store
  (the one place tests make data, so a change to the data layer's API lands here).
- `cli`: the `mendwell` command line in a subprocess.
- `auth`: accounts and real sign-ins: a signed cookie for AppTest, the sign-in form in Chromium.
- `apptest`: Streamlit's AppTest on the real app.py and pages, signed in (`sign_in`, `sign_in_partner`).
- `server`: a real `streamlit run app.py` (behind the `server_factory` fixture).
- `browser`: Playwright helpers for a real Streamlit server in Chromium.
- `figures`: figures the stress tests print and keep in test-artifacts/.
- `report`: the planted demo database behind the session-report tests.
"""
