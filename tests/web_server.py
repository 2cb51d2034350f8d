"""For the web tests: the server as a user runs it (a process of its own), raw HTTP, test images."""

from __future__ import annotations

import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "build" / "screenshots"


class Server:
    """`single-neuron serve ... --port 0` in a process of its own, on loopback; `url` once it listens."""

    def __init__(self, *args, log: Path, timeout: float = 60):
        self.log_path = log
        self._log = open(log, "w")
        self.process = subprocess.Popen([sys.executable, "-m", "single_neuron", "serve", *map(str, args),
                                         "--port", "0"], stdout=subprocess.PIPE, stderr=self._log, text=True,
                                        cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.first_line = self._first_line(timeout)
        match = re.fullmatch(r"serving (http://127\.0\.0\.1:(\d+)/) \(Ctrl-C to stop\)", self.first_line)
        if not match:
            self.close()
            raise AssertionError(f"serve printed {self.first_line!r}; its stderr: {self.log()}")
        self.url, self.port = match.group(1).rstrip("/"), int(match.group(2))

    def _first_line(self, timeout: float) -> str:
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                self.close()
                raise AssertionError(f"serve printed nothing in {timeout} s; its stderr: {self.log()}")
        return self.process.stdout.readline().strip()

    def log(self) -> str:
        return self.log_path.read_text()

    def interrupt(self, timeout: float = 20) -> tuple[int, str, str]:
        """Ctrl-C, as a terminal sends it: (exit status, the rest of stdout, stderr)."""
        self.process.send_signal(signal.SIGINT)
        try:
            out, _ = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        self._log.close()
        return self.process.returncode, out, self.log()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self._log.close()


def raw_request(port: int, request: bytes, *, timeout: float = 20,
                half_close: bool = False) -> tuple[int | None, bytes]:
    """Send `request` as it is to 127.0.0.1:port; return (status or None, the whole answer).

    None: the server closed the connection without an answer. `half_close` ends the sending side
    after the request, which the server takes as the client gone: no answer is then expected."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(request)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if _complete(b"".join(chunks)):
                    break
        except ConnectionResetError:
            pass
    answer = b"".join(chunks)
    match = re.match(rb"HTTP/1\.1 (\d{3}) ", answer)
    return (int(match.group(1)) if match else None), answer


def read_until(sock: socket.socket, marker: bytes, limit: int = 1 << 20) -> bytes:
    """What `sock` receives up to and including `marker`."""
    seen = b""
    while marker not in seen:
        chunk = sock.recv(65536)
        if not chunk or len(seen) > limit:
            raise AssertionError(f"the stream ended or ran on without {marker!r}: {seen[-300:]!r}")
        seen += chunk
    return seen


def _complete(answer: bytes) -> bool:
    head, sep, body = answer.partition(b"\r\n\r\n")
    if not sep:
        return False
    length = re.search(rb"(?im)^content-length: *(\d+)", head)
    return length is not None and len(body) >= int(length.group(1))


def body_of(answer: bytes) -> bytes:
    return answer.partition(b"\r\n\r\n")[2]


def multipart(fields: list[tuple[str, str | None, bytes]], boundary: str = "sn-test-boundary") -> tuple[bytes, str]:
    """(body, content type) of a multipart/form-data request: fields of (name, filename or None, bytes)."""
    parts = []
    for name, filename, data in fields:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        parts.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def cat_photos(folder: Path, cats: Path) -> dict[str, Path]:
    """Photos made from the course's test set, as a user would have them: bigger than 64x64, JPEG and
    PNG, RGB, RGBA and grayscale; and scikit-learn's photo of China, neither a cat nor square."""
    from importlib.resources import files

    from single_neuron.io.sources import load_training_data

    _, test = load_training_data(cats)
    cat, other = int(np.flatnonzero(test.y == 1)[0]), int(np.flatnonzero(test.y == 0)[0])
    folder.mkdir(parents=True, exist_ok=True)
    made = {"cat.jpg": Image.fromarray(test.images[cat]).resize((480, 480), Image.Resampling.BICUBIC),
            "non-cat.png": Image.fromarray(test.images[other]).resize((300, 200)),
            "cat-rgba.png": Image.fromarray(test.images[cat]).convert("RGBA"),
            "cat-gray.png": Image.fromarray(test.images[cat]).convert("L")}
    paths = {}
    for name, image in made.items():
        paths[name] = folder / name
        image.save(paths[name], **({"quality": 92} if name.endswith(".jpg") else {}))
    paths["china.jpg"] = folder / "china.jpg"
    paths["china.jpg"].write_bytes((files("sklearn.datasets.images") / "china.jpg").read_bytes())
    return paths


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float, what: str, every: float = 0.02):
    """Poll `condition()` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(every)
