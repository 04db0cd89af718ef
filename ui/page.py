"""`page_setup()`: what every page script does first, and the small helpers pages share."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from mendwell.charts import PartnerStyle
from mendwell.data import Database
from mendwell.instruments import Catalog
from mendwell.model import Couple
from mendwell.text import md_escape
from ui import state
from ui.resources import get_catalog, get_db
from ui.sharing import share_mode


@dataclass(frozen=True)
class Page:
    """What a page needs, computed once at its top: the database, the instruments, the couple, share mode."""

    db: Database
    catalog: Catalog
    couple: Couple | None
    sharing: bool

    @property
    def the_couple(self) -> Couple:
        """The couple, for pages set up with `needs_couple=True` (they stop before drawing without one)."""
        assert self.couple is not None
        return self.couple


def page_setup(title: str | None = None, *, needs_couple: bool = True) -> Page:
    """Open the database and instruments, find the chosen couple, and draw the page title.

    With `needs_couple`, a page with no couple to show says so kindly and stops here.
    """
    db = get_db()
    catalog = get_catalog()
    sharing = share_mode()
    couple = current_couple(db)
    if needs_couple and couple is None:
        if title:
            st.title(title)
        if sharing:
            st.info("Choose the couple before you start sharing, so only their charts are on screen.")
        else:
            st.info("There is no couple here yet. Add one on the **Settings** page to begin.")
            st.page_link("app_pages/settings.py", label="Go to Settings", icon=":material/settings:")
        st.stop()
    if title:
        st.title(title)
    return Page(db, catalog, couple, sharing)


def current_couple(db: Database) -> Couple | None:
    """The couple chosen in the sidebar (None when the database has none)."""
    couple_id = st.session_state.get(state.COUPLE)
    if couple_id is None:
        return None
    return db.couples.get(int(couple_id))


def choose_couple(couple_id: int) -> None:
    """Make `couple_id` the chosen couple from the next run on.

    The sidebar's couple chooser is a widget drawn before the page runs, and Streamlit refuses a
    change to a widget's value after it is drawn; app.py applies this before drawing it.
    """
    st.session_state[state.NEXT_COUPLE] = int(couple_id)


def partner_styles(couple: Couple) -> list[PartnerStyle]:
    """How each partner of the couple is drawn (colour by slot, the same on every chart)."""
    return [PartnerStyle(p.partner_id, p.name, p.slot) for p in couple.partners]


RANGES = {"6 months": 6, "1 year": 12, "2 years": 24, "All": None}


def range_control(key: str) -> int | None:
    """The 6 months / 1 year / 2 years / all control; returns months or None for all."""
    choice = st.segmented_control("Time span", list(RANGES), default="1 year", key=key)
    return RANGES[choice or "1 year"]


def safe(text: str) -> str:
    """A person's words, escaped for a markdown context."""
    return md_escape(text)
