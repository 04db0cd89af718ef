"""Numbered SQL files applied in order by `mendwell.data.engine.Engine.migrate`."""
