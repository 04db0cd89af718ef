"""The few plain HTML pages served before the app: calm, readable on a phone, accessible."""

from __future__ import annotations

from html import escape
from pathlib import Path

import streamlit

from mendwell import neutral


def _app_font() -> str:
    """The app's own font as Streamlit serves it to its pages (a file named by its content), for these pages to
    read like the app; empty if this Streamlit has none by that name (the pages then use the system's)."""
    media = Path(streamlit.__file__).parent / "static" / "static" / "media"
    found = sorted(media.glob("SourceSansVF-Upright.ttf.*.woff2"))
    if not found:
        return ""
    return (
        '@font-face { font-family: "Source Sans"; font-style: normal; font-weight: 200 900; font-display: swap; '
        f'src: url("/static/media/{found[0].name}") format("woff2"); }}'
    )


STYLE = (
    _app_font()
    + """
:root { color-scheme: light; }
body { margin: 0; font-family: "Source Sans", system-ui, sans-serif; background: #fbfaf7; color: #26323a;
       line-height: 1.5; font-size: 1.0625rem; }
main { max-width: 26rem; margin: 0 auto; padding: 3rem 1.25rem; }
h1 { font-size: 2rem; margin: 0 0 .5rem; }
p { margin: .5rem 0 1rem; }
label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
input[type=text], input[type=password] { box-sizing: border-box; width: 100%; font: inherit; padding: .6rem .7rem;
       border: 1px solid #6b7a84; border-radius: .5rem; background: #fff; color: #26323a; }
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid #1f5a5d; outline-offset: 2px; }
button { margin-top: 1.5rem; font: inherit; font-weight: 600; padding: .65rem 1.4rem; border: 0; border-radius: .5rem;
       background: #2f6f73; color: #fff; cursor: pointer; min-height: 44px; }
.note { background: #fff4e0; border-left: 4px solid #8a5a00; padding: .6rem .8rem; border-radius: .25rem; }
.ok { background: #e7f3ef; border-left: 4px solid #1f6b4f; padding: .6rem .8rem; border-radius: .25rem; }
.hint { color: #4a5860; font-size: .95rem; }
fieldset { border: 1px solid #c9c4b8; border-radius: .5rem; margin: 1.25rem 0 0; padding: .25rem 1rem 1rem; }
legend { font-weight: 600; padding: 0 .3rem; }
"""
)


def page(title: str, body: str, head: str = "") -> str:
    """A whole page; `body` (and `head`, more for the head) already escaped HTML."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>{head}"
        f"<style>{STYLE}</style></head><body><main>{body}</main></body></html>"
    )


def neutral_page(done: str) -> str:
    """The neutral page of "Leave now" (`mendwell.neutral`): a recipe, its way back a link to `done`. No icon of
    the app's (the tab shows none), no script, no word of Mendwell."""
    ingredients = "".join(f"<li>{escape(line)}</li>" for line in neutral.INGREDIENTS)
    steps = "".join(f"<li>{escape(step)}</li>" for step in neutral.STEPS)
    body = (
        f'<h1>{escape(neutral.TITLE)}</h1><p class="hint">{escape(neutral.SERVES)}</p>'
        f'<ul>{ingredients}</ul><ol>{steps}</ol><p><a href="{escape(done)}">{escape(neutral.DONE)}</a></p>'
    )
    return page(neutral.TITLE, body, head='<link rel="icon" href="data:,">')


def message(text: str, kind: str = "note") -> str:
    """A short message box (announced to screen readers)."""
    return f'<p class="{kind}" role="status">{escape(text)}</p>'


def field(label: str, name: str, kind: str = "text", autocomplete: str = "off", value: str = "") -> str:
    """A labelled input."""
    return (
        f'<label for="{name}">{escape(label)}</label>'
        f'<input id="{name}" name="{name}" type="{kind}" autocomplete="{autocomplete}" value="{escape(value)}">'
    )


def form(action: str, csrf: str, inner: str, button: str) -> str:
    """A POST form with its anti-forgery token."""
    return (
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="form_token" value="{escape(csrf)}">{inner}'
        f'<button type="submit">{escape(button)}</button></form>'
    )
