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
* ``"pass"``     – no fault (queue it to let some matching requests through first).

Faults come from two sources: an explicit queue (:meth:`inject`, consumed by the next
requests whose URL contains ``match``) and, with ``failure_rate`` > 0, random faults drawn
from ``random_kinds`` with a seeded RNG (deterministic for a given request order).
``delay_s`` delays every answer (to interrupt a fetch midway in tests).
The server runs in a daemon thread (``ThreadingHTTPServer`` on port 0) and is stopped on
context exit.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmark.config import Settings, get_settings
from benchmark.sources.emulator import ApiEmulator

FAULTS = ("429", "500", "slow", "truncate", "schema", "drop", "pass")
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


class LoopbackServer:
    """Serve ``emulator`` on ``http://127.0.0.1:<port>`` (Kolada under ``/v3``, SCB under
    ``/api/v2``) with optional fault injection; see the module docstring."""

    def __init__(self, emulator: ApiEmulator, *, failure_rate: float = 0.0, seed: int = 0,
                 random_kinds: tuple[str, ...] = TRANSIENT, slow_s: float = 1.0,
                 retry_after: str = "0", delay_s: float = 0.0) -> None:
        self.emulator = emulator
        self.delay_s = delay_s
        self.failure_rate = failure_rate
        self.random_kinds = random_kinds
        self.slow_s = slow_s
        self.retry_after = retry_after
        self.requests: list[RecordedRequest] = []
        self._rng = random.Random(seed)
        self._queue: list[_Queued] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def __enter__(self) -> LoopbackServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                owner._serve(self, b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                owner._serve(self, self.rfile.read(length) if length else b"")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._port = self._server.server_address[1]
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- addresses --------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._port is not None, "server not started"
        return f"http://127.0.0.1:{self._port}"

    @property
    def kolada_url(self) -> str:
        return f"{self.url}/v3"

    @property
    def scb_url(self) -> str:
        return f"{self.url}/api/v2"

    def settings(self, data_dir: Path, **overrides: Any) -> Settings:
        """Settings pointing both APIs at this server and the data folder at ``data_dir``."""
        return get_settings(data_dir=data_dir, kolada_url=self.kolada_url,
                            scb_url=self.scb_url, **overrides)

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
        rec = RecordedRequest(h.command, h.path, body, None, fault, dict(h.headers.items()))
        with self._lock:
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
        if fault in ("429", "500"):
            status = int(fault)
            payload = json.dumps({"type": "Error", "title": "injected", "status": status}).encode()
            headers = {"Content-Type": "application/problem+json"}
            if status == 429:
                headers["Retry-After"] = retry_after
            self._send(h, status, headers, payload)
            rec.status = status
            return
        status, headers, content = self.emulator.handle(h.command, self.url + path, body or None)
        if fault == "slow":
            time.sleep(self.slow_s)
        elif fault == "truncate" and status == 200:
            content = content[: max(1, len(content) // 2)]
        elif fault == "schema" and status == 200:
            content = json.dumps({"unexpected": "shape", "items": [1, 2, 3]}).encode()
        # the client may have given up already (e.g. timed out on a slow answer)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._send(h, status, headers, content)
        rec.status = status

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, headers: dict[str, str],
              content: bytes) -> None:
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(content)))
        h.end_headers()
        h.wfile.write(content)
        h.wfile.flush()

