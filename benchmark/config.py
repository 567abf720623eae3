"""Paths and settings, with environment overrides (see DESIGN.md §4).

Every other module asks :func:`get_settings` instead of reading the environment itself,
so tests and the demo can point the whole suite at another data folder or at loopback
servers by setting ``BENCHMARK_DATA_DIR``, ``BENCHMARK_KOLADA_URL`` and ``BENCHMARK_SCB_URL``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

KOLADA_URL = "https://api.kolada.se/v3"
SCB_URL = "https://statistikdatabasen.scb.se/api/v2"
USER_AGENT = "lss-benchmark/0.1 (+https://github.com/lss-benchmark; municipal LSS comparison)"

#: First and last reference years the suite accepts. The last is the year before the
#: current one: a year's statistics appear the year after (LSS persons on 1 October of
#: year Y in April of Y+1), so no later year can have data. Which years really have data
#: is asked from the APIs (``fetch`` without years) or read from the processed data.
FIRST_YEAR = 2010
LAST_YEAR = date.today().year - 1


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one run."""

    data_dir: Path = field(default_factory=lambda: Path("data"))
    kolada_url: str = KOLADA_URL
    scb_url: str = SCB_URL
    user_agent: str = USER_AGENT
    timeout_s: float = 30.0
    max_retries: int = 6

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def processed_dir(self) -> Path:
        return self.data_dir / "processed"


def get_settings(**overrides: object) -> Settings:
    """Settings from defaults, then environment variables, then keyword overrides."""
    values: dict[str, object] = {
        "data_dir": Path(os.environ.get("BENCHMARK_DATA_DIR", "data")),
        "kolada_url": os.environ.get("BENCHMARK_KOLADA_URL", KOLADA_URL).rstrip("/"),
        "scb_url": os.environ.get("BENCHMARK_SCB_URL", SCB_URL).rstrip("/"),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    if not isinstance(values["data_dir"], Path):
        values["data_dir"] = Path(str(values["data_dir"]))
    return Settings(**values)  # type: ignore[arg-type]
