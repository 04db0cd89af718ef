"""Mendwell: a monthly check-in for couples to notice and repair small hurts.

The domain package. Nothing here imports streamlit: the pages in `pages/`
read inputs, call into this package, and draw what it returns.
"""

__version__ = "0.1.0"
