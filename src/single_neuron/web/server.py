"""Listening and serving: a socket bound first (so a busy port is one line, before any work),
then uvicorn on it until Ctrl-C."""

from __future__ import annotations

import contextlib
import logging
import socket

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket listening on (host, port), port 0 for any free one; raises OSError."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = sorted(infos, key=lambda info: info[0] != socket.AF_INET)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)          # from here on a browser's connection waits for uvicorn, never refused
    except OSError:
        sock.close()
        raise
    return sock


def address_of(sock: socket.socket, host: str) -> tuple[str, int, str]:
    """(host as given, the bound port, the page's URL)."""
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return host, port, f"http://{shown}:{port}/"


def serve(app, sock: socket.socket, on_exit) -> int | None:
    """Serve `app` on `sock` until Ctrl-C or SIGTERM; returns the signal that ended it (None if
    the server stopped by itself), after a graceful shutdown.

    on_exit() is called as the shutdown begins, from the signal handler: it must only set flags
    (the event streams end on it, so that the shutdown need not wait for them)."""
    import signal

    import uvicorn

    class Server(uvicorn.Server):
        stopped_by: int | None = None

        def handle_exit(self, sig, frame):
            if self.stopped_by is None:
                self.stopped_by = sig
            on_exit()
            super().handle_exit(sig, frame)

        @contextlib.contextmanager
        def capture_signals(self):
            # uvicorn raises the signal again once it has shut down, inside the event loop, where
            # the command's own handler turned it into a traceback of cancelled tasks. The signal
            # is returned instead, for the caller to end the way every command ends.
            handled = (signal.SIGINT, signal.SIGTERM)
            original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
            try:
                yield
            finally:
                for sig, handler in original.items():
                    signal.signal(sig, handler)

    # The multipart parser logs what it finds wrong in a body (one line per bad request, through
    # Python's last-resort handler); the request is answered with that error already.
    logging.getLogger("python_multipart").addHandler(logging.NullHandler())
    logging.getLogger("python_multipart").propagate = False
    # Errors only: no banner, no line per request.
    config = uvicorn.Config(app, log_level="error", access_log=False, timeout_graceful_shutdown=5,
                            server_header=False, lifespan="on")
    server = Server(config)
    server.run(sockets=[sock])
    return server.stopped_by
