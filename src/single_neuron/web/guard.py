"""The server's door: what every request passes before any route sees it.

Safe by default, as Jupyter's server is:
- the Host header must name the address the server serves (127.0.0.1:8000,
  localhost:8000, ...), so that a page elsewhere cannot reach it through DNS
  rebinding (a name of theirs that resolves to 127.0.0.1): 403 otherwise;
- a state-changing request (anything but GET and HEAD) that carries an Origin must
  come from the page's own origin: 403 otherwise;
- a request body is counted as it is read: past its cap (the upload cap for image
  uploads, a small one for JSON) the answer is 413, and the rest is never read;
- an unexpected failure is a 500 with a JSON body and one line on stderr, and the
  server goes on.
Every refusal is a JSON body {"error": one line}.
"""

from __future__ import annotations

import sys

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse

SAFE_METHODS = ("GET", "HEAD")
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")

# Sent with every answer: no framing by other sites, no guessing of content types, no
# referrer, and scripts, styles and images from this server only.
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
                                 b"script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
                                 b"base-uri 'none'; form-action 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


class BodyTooLarge(HTTPException):
    """A request body past its cap, found while reading it."""

    def __init__(self, limit: int):
        from ..sizes import size_text

        super().__init__(413, f"request body too large: at most {size_text(limit)} accepted here")


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers={"cache-control": "no-store"})


def host_names(host: str, port: int, extra=()) -> frozenset[str]:
    """The Host header values that name this server, lower-case, port included (or left out for 80)."""
    bracketed = f"[{host}]" if ":" in host and not host.startswith("[") else host
    names = {bracketed.lower(), *(n.lower() for n in extra)}
    if bracketed in LOOPBACK_NAMES or host in ("::1", "0.0.0.0", "::"):
        names.update(LOOPBACK_NAMES)
    if host in ("0.0.0.0", "::"):
        names.update(_this_machine())
    return frozenset({f"{n}:{port}" for n in names} | (names if port == 80 else set()))


def _this_machine() -> set[str]:
    """This machine's name and addresses: what a browser elsewhere may call a server on all interfaces."""
    import socket

    name = socket.gethostname()
    found = {name.lower()}
    try:
        for *_, address in socket.getaddrinfo(name, None):
            found.add(f"[{address[0]}]" if ":" in address[0] else address[0])
    except OSError:
        pass
    return found


class Guard:
    """ASGI middleware: Host and Origin checks, body caps, security headers, the last-resort 500."""

    def __init__(self, app, *, hosts: frozenset[str], upload_limit: int, json_limit: int,
                 upload_paths: frozenset[str]):
        self.app = app
        self.hosts = hosts
        self.origins = frozenset(f"http://{h}" for h in hosts)
        self.upload_limit, self.json_limit = upload_limit, json_limit
        self.upload_paths = upload_paths

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        started = False

        async def guarded_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        refusal = self._refusal(scope)
        if refusal is not None:
            return await error_response(*refusal)(scope, receive, guarded_send)
        limit, received = self._limit(scope), 0

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, counted_receive, guarded_send)
        except (ClientDisconnect, OSError):
            pass                    # the client went away; there is no one to answer
        except BodyTooLarge as exc:
            if not started:
                await error_response(413, exc.detail)(scope, receive, guarded_send)
        except Exception as exc:  # noqa: BLE001 -- the server must outlive any one request
            print(f"single-neuron: error: answering {scope.get('method')} {scope['path']} failed "
                  f"({type(exc).__name__}: {exc})", file=sys.stderr)
            if not started:
                await error_response(500, "internal error; the server logged it")(scope, receive, guarded_send)

    def _limit(self, scope) -> int:
        return self.upload_limit if scope["path"] in self.upload_paths else self.json_limit

    def _refusal(self, scope) -> tuple[int, str] | None:
        headers = Headers(scope=scope)
        host = headers.get("host")
        if host is None or host.lower() not in self.hosts:
            return 403, (f"refused: the Host header {_short(host)} does not name this server "
                         f"(expected one of {', '.join(sorted(self.hosts))})")
        if scope["type"] == "websocket":
            return 403, "refused: this server takes no WebSocket connections"
        if scope["method"] not in SAFE_METHODS:
            origin = headers.get("origin")
            if origin is not None and origin.lower() not in self.origins:
                return 403, f"refused: a request from another origin ({_short(origin)}) may not change anything here"
        length = headers.get("content-length")
        if length is not None:
            if not (length.isascii() and length.strip().isdigit()):
                return 400, f"bad Content-Length header {_short(length)}: expected a whole number of bytes"
            if int(length) > self._limit(scope):
                return 413, BodyTooLarge(self._limit(scope)).detail
        return None


def _short(text: str | None) -> str:
    """A header's value for a message: quoted, at most 60 characters of it."""
    return repr(text if text is None or len(text) <= 60 else text[:57] + "...")
