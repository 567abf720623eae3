"""The emulator over real HTTP on 127.0.0.1, for trying the whole pipeline without internet.

:class:`EmulatorServer` serves an :class:`~benchmark.sources.emulator.ApiEmulator` (Kolada
under ``/v3``, SCB under ``/api/v2``) from a daemon thread; the test suite's fault-injecting
server (``tests/loopback.py``) builds on it.

From a shell, ``python -m benchmark.sources.loopback`` serves the SYNTHETIC demo country
(2015–2025 by default, i.e. population 2025 from the TAB6471 path) until Ctrl-C, and
prints the settings that point ``make`` at it::

    python -m benchmark.sources.loopback --years 2015-2025 &
    export BENCHMARK_KOLADA_URL=http://127.0.0.1:<port>/v3
    export BENCHMARK_SCB_URL=http://127.0.0.1:<port>/api/v2
    make doctor
    make data process report KOMMUN=2482 DATA_DIR=data/loopback

Every answer carries ``X-Synthetic-Data: demo`` and everything built from it is labelled
as synthetic; use a separate ``DATA_DIR`` so the snapshots never mix with real ones.
``--member-shape v2`` and ``--tables TAB638`` serve an API that has changed (v2 member
keys; no TAB6471), to see what ``doctor`` says about it.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmark.config import Settings, get_settings
from benchmark.sources.emulator import ApiEmulator


class EmulatorServer:
    """Serve ``emulator`` on ``http://<host>:<port>`` (port 0: any free port)."""

    def __init__(self, emulator: ApiEmulator, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self.host, self.port_asked = host, port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                owner._serve(self, b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                owner._serve(self, self.rfile.read(length) if length else b"")

        self._server = ThreadingHTTPServer((self.host, self.port_asked), Handler)
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
        return f"http://{self.host}:{self._port}"

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

    # -- answering --------------------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler, body: bytes) -> None:
        status, headers, content = self.emulator.handle(h.command, self.url + h.path,
                                                        body or None)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send(h, status, headers, content)

    @staticmethod
    def send(h: BaseHTTPRequestHandler, status: int, headers: dict[str, str],
             content: bytes) -> None:
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(content)))
        h.end_headers()
        h.wfile.write(content)
        h.wfile.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the synthetic demo country until interrupted (see the module docstring)."""
    from benchmark.arguments import parse_years
    from benchmark.demo import DEMO_SEED, generate_dataset
    from benchmark.errors import InputError

    parser = argparse.ArgumentParser(
        prog="python -m benchmark.sources.loopback",
        description="Serve the SYNTHETIC demo country as Kolada v3 and SCB PxWebApi 2.0 on "
        "127.0.0.1, for trying make doctor / data / process / report without internet.")
    parser.add_argument("--years", default="2015-2025", help="years served (default 2015-2025)")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    parser.add_argument("--member-shape", choices=("v3", "v2"), default="v3",
                        help="group member keys: v3 member_id/member_title (default) or v2")
    parser.add_argument("--tables", default="TAB638,TAB6471",
                        help="SCB tables served (default TAB638,TAB6471)")
    args = parser.parse_args(argv)
    try:
        years = parse_years(args.years)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    dataset = generate_dataset(DEMO_SEED, range(years[0], years[-1] + 1))
    emulator = ApiEmulator(dataset, member_shape=args.member_shape,
                           tables=tuple(t.strip() for t in args.tables.split(",") if t.strip()))
    with EmulatorServer(emulator, port=args.port) as server:
        print(f"Serving the SYNTHETIC demo country {years[0]}–{years[-1]} on {server.url} "
              "(Kolada v3 under /v3, SCB PxWebApi 2.0 under /api/v2). Ctrl-C stops.\n"
              f"export BENCHMARK_KOLADA_URL={server.kolada_url}\n"
              f"export BENCHMARK_SCB_URL={server.scb_url}\n"
              "then e.g.: make doctor; make data process report KOMMUN=2482 "
              "DATA_DIR=data/loopback", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
