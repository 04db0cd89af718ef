"""What runs in front of the pages, inside the same server: sign-in, sign-out and first-run setup
(plain HTML forms, so the sign-in cookie is HttpOnly), and middleware that sends anyone not signed in
to the sign-in page. `app.py` mounts these on its `st.App`.
"""
