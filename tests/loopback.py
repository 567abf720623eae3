"""A real HTTP server on 127.0.0.1 serving an :class:`ApiEmulator`, with fault injection.

Usage::

    emu = ApiEmulator(dataset, calls_per_window=1000, window_s=1)
    with LoopbackServer(emu, failure_rate=0.3, seed=1) as srv:
        settings = srv.settings(tmp_path, timeout_s=0.5)     # Kolada/SCB URLs point here
        srv.inject("429", match="/data/", retry_after="0")   # the next matching request
        fetch(years, settings=settings, client=fast_client(settings))
        srv.requests   # every request: method, path, body, status, fault

Fault kinds (``FAULTS``):

* ``"429"``      – 429 with ``Retry-After`` (seconds, or any string such as an HTTP date);
* ``"500"``      – 500 with a problem+json body;
* ``"slow"``     – the real answer, sent after ``slow_s`` seconds (beyond a short client
  timeout, so the client times out);
* ``"truncate"`` – 200 with the first half of the real JSON body (a consistent
  Content-Length, so only the JSON is broken);
* ``"schema"``   – 200 with complete JSON of the wrong shape;
* ``"drop"``     – the connection is closed without any response;
* ``"422"``      – 422 with a problem+json body (a request the API refuses: never retried);
* ``"pass"``     – no fault (queue it to let some matching requests through first).

``patch`` (a function of the request path and the parsed JSON body of a 200 answer,
returning the body to send) changes what the server says, e.g. an unknown field or v2
member keys, to test what ``fetch`` and ``doctor`` make of a changed API. ``recorded``
maps a path fragment to a recorded response body, served byte for byte (200,
``application/json``) to every request whose path contains it: a replay of real answers.

Faults come from two sources: an explicit queue (:meth:`inject`, consumed by the next
requests whose URL contains ``match``) and, with ``failure_rate`` > 0, random faults drawn
from ``random_kinds`` with a seeded RNG (deterministic for a given request order).
``delay_s`` delays every answer (to interrupt a fetch midway in tests).
The server is :class:`benchmark.sources.loopback.EmulatorServer` (a daemon thread on port
0), stopped on context exit.
"""

from __future__ import annotations

import contextlib
import json
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from benchmark.config import Settings, get_settings
from benchmark.sources.emulator import ApiEmulator
from benchmark.sources.loopback import EmulatorServer

FAULTS = ("429", "500", "slow", "truncate", "schema", "drop", "422", "pass")
TRANSIENT = ("429", "500", "truncate", "schema", "drop")


@dataclass
class RecordedRequest:
    method: str
    path: str
    body: bytes
    status: int | None  # None when the connection was dropped
    fault: str | None
    headers: dict[str, str]


@dataclass
class _Queued:
    kind: str
    match: str
    retry_after: str


class LoopbackServer(EmulatorServer):
    """Serve ``emulator`` on ``http://127.0.0.1:<port>`` (Kolada under ``/v3``, SCB under
    ``/api/v2``) with optional fault injection; see the module docstring."""

    def __init__(self, emulator: ApiEmulator, *, failure_rate: float = 0.0, seed: int = 0,
                 random_kinds: tuple[str, ...] = TRANSIENT, slow_s: float = 1.0,
                 retry_after: str = "0", delay_s: float = 0.0,
                 patch: Callable[[str, Any], Any] | None = None,
                 recorded: dict[str, bytes] | None = None) -> None:
        super().__init__(emulator)
        self.recorded = dict(recorded or {})
        self.delay_s = delay_s
        self.failure_rate = failure_rate
        self.random_kinds = random_kinds
        self.slow_s = slow_s
        self.retry_after = retry_after
        self.patch = patch
        self.requests: list[RecordedRequest] = []
        self._rng = random.Random(seed)
        self._queue: list[_Queued] = []
        self._lock = threading.Lock()

    def __enter__(self) -> LoopbackServer:
        self.start()
        return self

    # -- faults -----------------------------------------------------------------------------
    def inject(self, *kinds: str, match: str = "", retry_after: str | None = None) -> None:
        """Queue faults for the next requests whose URL contains ``match``, in order."""
        for kind in kinds:
            if kind not in FAULTS:
                raise ValueError(f"unknown fault {kind!r}; valid: {', '.join(FAULTS)}")
            with self._lock:
                self._queue.append(_Queued(kind, match, retry_after or self.retry_after))

    def count(self, *, fault: str | None = None, path_contains: str = "") -> int:
        """Number of recorded requests (optionally with this fault / path fragment)."""
        with self._lock:
            return sum(1 for r in self.requests if path_contains in r.path
                       and (fault is None or r.fault == fault))

    def _pick_fault(self, path: str) -> tuple[str | None, str]:
        with self._lock:
            for i, q in enumerate(self._queue):
                if q.match in path:
                    del self._queue[i]
                    return (None if q.kind == "pass" else q.kind), q.retry_after
            if self.failure_rate and self._rng.random() < self.failure_rate:
                return self._rng.choice(self.random_kinds), self.retry_after
        return None, self.retry_after

    def _record(self, h: BaseHTTPRequestHandler, body: bytes, fault: str | None
                ) -> RecordedRequest:
        with self._lock:
            rec = RecordedRequest(h.command, h.path, body, None, fault,
                                  dict(h.headers.items()))
            self.requests.append(rec)
        return rec

    def _serve(self, h: BaseHTTPRequestHandler, body: bytes) -> None:
        path = h.path
        if self.delay_s:
            time.sleep(self.delay_s)
        fault, retry_after = self._pick_fault(path)
        rec = self._record(h, body, fault)  # recorded on arrival, status set when answered
        if fault == "drop":
            h.close_connection = True
            h.connection.close()
            return
        if fault in ("429", "500", "422"):
            status = int(fault)
            payload = json.dumps({"type": "Error", "title": "injected", "status": status,
                                  "detail": f"injected {status} for {path}"}).encode()
            headers = {"Content-Type": "application/problem+json"}
            if status == 429:
                headers["Retry-After"] = retry_after
            self.send(h, status, headers, payload)
            rec.status = status
            return
        replay = next((c for frag, c in self.recorded.items() if frag in path), None)
        if replay is not None:
            status, headers, content = 200, {"Content-Type": "application/json"}, replay
        else:
            status, headers, content = self.emulator.handle(h.command, self.url + path,
                                                            body or None)
        if self.patch is not None and status == 200:
            content = json.dumps(self.patch(path, json.loads(content)),
                                 ensure_ascii=False).encode()
        if fault == "slow":
            time.sleep(self.slow_s)
        elif fault == "truncate" and status == 200:
            content = content[: max(1, len(content) // 2)]
        elif fault == "schema" and status == 200:
            # a transient glitch: never the same bytes twice (the client gives up on a wrong
            # answer repeated verbatim, which is the API's real answer)
            content = json.dumps({"unexpected": "shape", "n": len(self.requests)}).encode()
        # the client may have given up already (e.g. timed out on a slow answer)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send(h, status, headers, content)
        rec.status = status


def closed_port_settings(data_dir: Path) -> Settings:
    """Settings whose Kolada and SCB URLs point at a port on 127.0.0.1 nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return get_settings(data_dir=data_dir, kolada_url=f"http://127.0.0.1:{port}/v3",
                        scb_url=f"http://127.0.0.1:{port}/api/v2")
