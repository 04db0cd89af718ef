"""The app's pages (as `st.navigation` knows them) and labels the tests look for."""

from __future__ import annotations

HOME = "app_pages/home.py"
CHECKIN = "app_pages/checkin.py"
HISTORY = "app_pages/history.py"
SETTINGS = "app_pages/settings.py"
TRENDS = "app_pages/trends.py"
THEMES = "app_pages/themes.py"
TOGETHER = "app_pages/together.py"
CASELOAD = "app_pages/caseload.py"
DATA = "app_pages/data.py"
ACCOUNTS = "app_pages/accounts.py"
AUDIT = "app_pages/audit.py"
NEUTRAL = "app_pages/neutral.py"

SUBMIT = "Submit my check-in"
TWO_SIDES = "Both sides"  # Trends' last part: the two perspectives, a chart per partner
THEME_TABS = ("Themes by month", "Which small hurts happened", "How far small hurts were mended")  # Themes' parts
# the names of the pickers of the parts (ui.page.part_picker), read out to a screen reader
TREND_PICKER, THEME_PICKER = "Part of the check-in", "What to show"
