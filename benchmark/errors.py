"""Exception types shared by the library and the command line.

The command line maps :class:`InputError` to exit code 2 (bad input: one clear line naming
the problem and what would be valid) and every other :class:`BenchmarkError` to exit code 1.
"""

from __future__ import annotations


class BenchmarkError(Exception):
    """Base class for errors the suite reports to the user without a traceback."""


class InputError(BenchmarkError, ValueError):
    """The caller asked for something invalid (unknown municipality, year out of range, ...)."""


class DataError(BenchmarkError):
    """Raw or processed data are missing, corrupt or inconsistent."""


class FetchError(BenchmarkError):
    """A public API could not be reached or kept failing after all retries."""
