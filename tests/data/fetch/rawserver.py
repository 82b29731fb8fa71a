"""A scripted HTTP server on a raw socket, for cases a real server will not do.

Test helper (loaded by tests/test_fetch_*.py and tests/hostile/test_hostile_net.py
with ``load_rawserver()``): each accepted connection reads the request head
and hands the socket to ``handler(conn, request_head, stop_event)``, which
writes whatever bytes the test needs — dripping, lying, resetting, endless.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable

Handler = Callable[[socket.socket, bytes, threading.Event], None]


class RawServer:
    """Serve ``handler`` on ``host:port`` (port 0 picks one) until :meth:`close`."""

    def __init__(
        self,
        handler: Handler,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.handler = handler
        self.tls = tls
        self.host = host
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind((host, port))
        self.listener.listen(16)
        self.listener.settimeout(0.05)
        self.port = int(self.listener.getsockname()[1])
        self.connections = 0
        self.requests: list[bytes] = []
        self.stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def url(self, path: str = "/", host: str | None = None) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{host or self.host}:{self.port}{path}"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _addr = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        head = b""
        try:
            conn.settimeout(5)
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            while b"\r\n\r\n" not in head and len(head) < 65536:
                data = conn.recv(4096)
                if not data:
                    return
                head += data
            self.requests.append(head)
            self.handler(conn, head, self.stop)
        except (OSError, ssl.SSLError):
            pass  # the client hung up on us: that is often the point
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self._thread.join(2)
        with contextlib.suppress(OSError):
            self.listener.close()

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def respond(status: str, headers: dict[str, str], body: bytes = b"") -> Handler:
    """A handler that sends one fixed response and closes."""

    def handler(conn: socket.socket, head: bytes, stop: threading.Event) -> None:
        lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers.items()]
        if "Content-Length" not in headers:
            lines.append(f"Content-Length: {len(body)}")
        lines.append("Connection: close")
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    return handler
