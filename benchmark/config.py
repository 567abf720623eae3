"""Paths and settings, with environment overrides.

Every other module asks :func:`get_settings` instead of reading the environment itself,
so tests and the demo can point the whole suite at another data folder or at loopback
servers by setting ``BENCHMARK_DATA_DIR``, ``BENCHMARK_KOLADA_URL`` and ``BENCHMARK_SCB_URL``.

The API URLs are checked when the settings are made: ``http`` or ``https`` with a host,
else :class:`~benchmark.errors.InputError` naming the variable (exit code 2 on the command
line). Credentials written into a URL (``https://user:secret@host/…``) are sent to the
server but never shown: every message, sidecar and record uses :func:`redact_url`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from benchmark.errors import InputError

KOLADA_URL = "https://api.kolada.se/v3"
SCB_URL = "https://statistikdatabasen.scb.se/api/v2"
USER_AGENT = "lss-benchmark/0.1 (+https://github.com/lss-benchmark; municipal LSS comparison)"

#: First and last reference years the suite accepts. The last is the year before the
#: current one: a year's statistics appear the year after (LSS persons on 1 October of
#: year Y in April of Y+1), so no later year can have data. Which years really have data
#: is asked from the APIs (``fetch`` without years) or read from the processed data.
FIRST_YEAR = 2010
LAST_YEAR = date.today().year - 1

#: Largest response body accepted from an API (bytes, after decompression). The largest
#: real pages are a few MB (a Kolada page of 5 000 values, an SCB answer of 150 000 cells).
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
#: Seconds one request may take from connecting to its last byte, retries included.
REQUEST_DEADLINE_S = 300.0
#: Seconds one whole ``fetch`` may take; snapshots saved before it ran out are kept.
FETCH_DEADLINE_S = 3600.0

_URL_SETTINGS = {"kolada_url": "BENCHMARK_KOLADA_URL", "scb_url": "BENCHMARK_SCB_URL"}


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one run.

    ``timeout_s`` bounds each network operation (connect, one read, one write);
    ``request_deadline_s`` the whole of one request including its retries (so a server
    that drips one byte at a time cannot hold it open); ``fetch_deadline_s`` a whole
    fetch; ``max_response_bytes`` the size of one response body.
    """

    data_dir: Path = field(default_factory=lambda: Path("data"))
    kolada_url: str = KOLADA_URL
    scb_url: str = SCB_URL
    user_agent: str = USER_AGENT
    timeout_s: float = 30.0
    max_retries: int = 6
    request_deadline_s: float = REQUEST_DEADLINE_S
    fetch_deadline_s: float = FETCH_DEADLINE_S
    max_response_bytes: int = MAX_RESPONSE_BYTES

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def processed_dir(self) -> Path:
        return self.data_dir / "processed"


def redact_url(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@`` (safe to print or store)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # unparseable: blank out anything between // and the last @
        return re.sub(r"//[^/?#]*@", "//***@", url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"***@{host}"))


def check_api_url(url: object, name: str) -> str:
    """``url`` without a trailing slash, or :class:`InputError` naming the setting ``name``
    when it is not an ``http``/``https`` URL with a host (the example is that API's own)."""
    example = SCB_URL if "scb" in name.lower() else KOLADA_URL
    valid = f"give an http(s) URL with a host, e.g. {example}"
    if not isinstance(url, str) or not url.strip():
        raise InputError(f"{name} is empty; {valid}")
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise InputError(f"{name}={redact_url(url)!r} is not a valid URL ({exc}); "
                         f"{valid}") from None
    if parts.scheme not in ("http", "https"):
        scheme = f"not {parts.scheme}:" if parts.scheme else "it has no scheme"
        raise InputError(f"{name}={redact_url(url)!r} must use http or https ({scheme}); "
                         f"{valid}")
    if not host:
        raise InputError(f"{name}={redact_url(url)!r} has no host; {valid}")
    return url.strip().rstrip("/")


def get_settings(**overrides: object) -> Settings:
    """Settings from defaults, then environment variables, then keyword overrides.

    Parameters
    ----------
    **overrides
        Fields of :class:`Settings` (``data_dir``, ``kolada_url``, ``scb_url``, …).

    Returns
    -------
    Settings
        The settings (frozen).

    Raises
    ------
    InputError
        Naming the variable (or keyword) when an API URL is not http(s) with a host.

    Examples
    --------
    >>> get_settings(data_dir="data/demo").processed_dir.as_posix()
    'data/demo/processed'
    """
    values: dict[str, object] = {
        "data_dir": Path(os.environ.get("BENCHMARK_DATA_DIR", "data")),
        "kolada_url": os.environ.get("BENCHMARK_KOLADA_URL", KOLADA_URL),
        "scb_url": os.environ.get("BENCHMARK_SCB_URL", SCB_URL),
    }
    names = dict(_URL_SETTINGS)
    for key, value in overrides.items():
        if value is not None:
            values[key] = value
            if key in names:
                names[key] = key
    for key, name in names.items():
        values[key] = check_api_url(values[key], name)
    if not isinstance(values["data_dir"], Path):
        values["data_dir"] = Path(str(values["data_dir"]))
    return Settings(**values)  # type: ignore[arg-type]
