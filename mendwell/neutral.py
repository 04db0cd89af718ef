"""The neutral page of the safety check's "Leave now": a recipe, and nothing that hints at Mendwell.

One text for both places it is shown: the app's own page right after the tap (`app_pages/neutral.py`), and the
page the sign-in address serves instead of its form while that browser has just left (`server.routes`), so a
reload, or the page checking that its sign-in has ended, shows the recipe again rather than "Sign in · Mendwell".
"""

from __future__ import annotations

TITLE = "Lentil soup"  # the page's title, and the tab's from the moment "Leave now" is tapped
SERVES = "Serves 4 · 40 minutes"
INGREDIENTS = (
    "1 onion, 2 carrots, 2 sticks of celery, finely chopped",
    "2 cloves of garlic",
    "250 g red lentils, rinsed",
    "1.2 litres of vegetable stock",
    "1 tin of chopped tomatoes",
    "1 teaspoon of ground cumin, salt, pepper, a squeeze of lemon",
)
STEPS = (
    "Soften the onion, carrots and celery in a little oil for 10 minutes.",
    "Add the garlic and cumin and stir for a minute.",
    "Add the lentils, stock and tomatoes; simmer for 25 minutes until soft.",
    "Blend half of it, season, and finish with lemon.",
)
DONE = "Done"  # the way back, worded as the end of a recipe
DONE_URL = "/signin?done=1"  # where it leads: the sign-in form, with "Leave now" forgotten in that browser
# Its address, in the address bar from the moment the page is drawn and after any reload: nothing of a sign-in or
# of the check-in (the address had stayed "/?section=7", and a reload made it "/signin?next=%2F%3Fsection%3D7")
PATH = "/lentil-soup"
