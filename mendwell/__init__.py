"""Mendwell: a monthly check-in for couples to notice and repair small hurts.

The domain package. Nothing here imports streamlit: the pages in `app_pages/`
read inputs, call into this package, and draw what it returns. Only
`mendwell.data` talks to the database. The map is docs/architecture.md.
"""

__version__ = "0.1.0"
