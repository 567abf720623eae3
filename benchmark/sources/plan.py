"""Planned requests with stable keys (shared by the Kolada and SCB clients and by fetch).

A :class:`PlannedRequest` is one logical API call. Its ``key`` is derived from the method,
the full URL and the JSON body, so the same request planned again (a rerun, a resumed
fetch) maps to the same raw snapshot id and is served from disk instead of the network.
Page ``n`` of a paged request is stored as ``<key>-p<n>``. The key includes the base
URL, so snapshots from different servers (e.g. the demo emulator and the real APIs) never
stand in for each other; when several snapshots hold the same datum, ``process`` uses the
newest.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from benchmark.config import redact_url


@dataclass(frozen=True)
class PlannedRequest:
    """One logical API request: where it goes, what it is, and its stable snapshot key."""

    api: str  # "Kolada" | "SCB" (used in messages and to choose the rate limit)
    kind: str  # kolada-data, kolada-kpi, kolada-municipality, kolada-groups, scb-config, ...
    method: str
    url: str
    label: str
    body: Any = None
    paged: bool = False
    info: tuple[tuple[str, Any], ...] = ()  # extra facts kept in the sidecar (years, kpis...)

    @property
    def key(self) -> str:
        # credentials in the URL never reach the key (a key equals the URL's without them)
        canon = json.dumps([self.method, redact_url(self.url), self.body], sort_keys=True,
                           ensure_ascii=True)
        digest = hashlib.sha256(canon.encode()).hexdigest()[:12]
        source, _, kind = self.kind.partition("-")
        return f"{source}/{kind}/{self.label}-{digest}"

    def page_id(self, page: int) -> str:
        """Snapshot id of page ``page`` (1-based)."""
        return f"{self.key}-p{page}"

    def describe(self) -> str:
        return f"{self.api} {self.label} ({self.method} {redact_url(self.url)})"
