"""A raw-socket HTTP server on 127.0.0.1 for what ``http.server`` cannot send (issue #18):
a ``Content-Length`` of 2 GB, an endless chunked body, a body or header block dripped one
byte at a time, a deeply nested JSON body. See :class:`HostileServer`."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading

HOSTILE = ("huge-length", "endless-chunked", "drip-body", "drip-headers", "nested")


class HostileServer:
    """A raw TCP server on 127.0.0.1 answering every request with one hostile behaviour:

    * ``"huge-length"``     – ``Content-Length: 2147483648``, then zeros for as long as the
      client reads;
    * ``"endless-chunked"`` – ``Transfer-Encoding: chunked`` with 64 KiB chunks, never ending;
    * ``"drip-body"``       – ``Content-Length: 1000``, then one byte every ``interval_s``;
    * ``"drip-headers"``    – the status line, then the headers one byte every ``interval_s``;
    * ``"nested"``          – a complete 200 answer whose JSON is nested ``depth`` deep.

    ``sent`` counts the body bytes written (all connections).
    """

    def __init__(self, behaviour: str, *, interval_s: float = 0.5, depth: int = 100_000
                 ) -> None:
        if behaviour not in HOSTILE:
            raise ValueError(f"unknown behaviour {behaviour!r}; valid: {', '.join(HOSTILE)}")
        self.behaviour, self.interval_s, self.depth = behaviour, interval_s, depth
        self.sent = 0
        self.connections = 0
        self._stop = threading.Event()
        self._server: socketserver.ThreadingTCPServer | None = None

    def __enter__(self) -> HostileServer:
        owner = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                owner.connections += 1
                with contextlib.suppress(OSError):
                    owner._read_request(self.request)
                    owner._answer(self.request)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v3/data"

    @staticmethod
    def _read_request(sock: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                return
            data += chunk

    def _answer(self, sock: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        kind = self.behaviour
        if kind == "huge-length":
            sock.sendall(head + b"Content-Length: 2147483648\r\n\r\n")
            block = b"0" * 65536
            while not self._stop.is_set() and self.sent < 2**31:
                sock.sendall(block)
                self.sent += len(block)
        elif kind == "endless-chunked":
            sock.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n")
            block = b" " * 65536
            frame = f"{len(block):x}\r\n".encode() + block + b"\r\n"
            while not self._stop.is_set():
                sock.sendall(frame)
                self.sent += len(block)
        elif kind == "drip-body":
            sock.sendall(head + b"Content-Length: 1000\r\n\r\n")
            for _ in range(1000):
                if self._stop.wait(self.interval_s):
                    return
                sock.sendall(b" ")
                self.sent += 1
        elif kind == "drip-headers":
            sock.sendall(b"HTTP/1.1 200 OK\r\n")
            for byte in b"X-Padding: " + b"a" * 10_000:
                if self._stop.wait(self.interval_s):
                    return
                sock.sendall(bytes([byte]))
        else:  # nested
            body = b"[" * self.depth + b"]" * self.depth
            sock.sendall(head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            self.sent += len(body)
