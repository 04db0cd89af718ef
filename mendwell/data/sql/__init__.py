"""Longer analytic queries, loaded by `mendwell.data.sqlfiles.query`."""
