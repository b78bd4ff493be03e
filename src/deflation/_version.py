"""The package version, in one place (pyproject.toml reads it from here).

It is part of every sweep cache key (:func:`deflation.cache_key`): bump it whenever a
change alters what a run function returns (a numerical fix, a new default), so that no
stale cached record is reused.
"""

__version__ = "0.5.0"
