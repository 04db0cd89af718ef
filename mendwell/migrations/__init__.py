"""Numbered SQL files applied in order; see `mendwell.store.migrate`."""
