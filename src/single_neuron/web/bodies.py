"""What a request carries, read and checked: an uploaded image, a JSON object, a training job and
the controls of a running one.

Anything else is a `BadRequest`, answered with its status and one line that says what was
expected and what came.
"""

from __future__ import annotations

import json
import math

from starlette.datastructures import UploadFile
from starlette.requests import Request

from .training import JobRequest

MAX_RATES = 8
PAGE_ITERATIONS = 1_000_000
MAX_RECORDS = 5_000          # costs a run's model keeps: a curve of more points shows nothing more
MIN_SPEED, MAX_SPEED = 0.1, 1e6   # iterations a second a job may be paced at
NAME_LENGTH = 80             # characters of an upload's name shown in messages


class BadRequest(Exception):
    """A request the API cannot take, with the reason and the status to answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


async def upload(request: Request) -> tuple[bytes, str]:
    """The bytes of the multipart field "image" and the upload's name for messages."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise BadRequest(f"expected a multipart/form-data body with a field 'image' holding the image file, "
                         f"got content type {content_type[:60]!r}", 415)
    async with request.form(max_files=1, max_fields=8) as form:
        part = form.get("image")
        if not isinstance(part, UploadFile):
            fields = ", ".join(repr(k[:40]) for k in form.keys()) or "none"
            raise BadRequest(f"expected a file in the multipart field 'image' (fields sent: {fields})")
        return await part.read(), shown_name(part.filename)


def shown_name(filename: str | None) -> str:
    """The upload's name for messages: printable, at most NAME_LENGTH characters, or 'the upload'."""
    name = "".join(ch for ch in (filename or "") if ch.isprintable())[:NAME_LENGTH]
    return f"upload {name!r}" if name else "the upload"


async def json_body(request: Request) -> dict:
    """The body as a JSON object (content type application/json; NaN and Infinity refused)."""
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise BadRequest(f"expected a JSON body (content type application/json), got {content_type[:60]!r}", 415)
    from ..io.jsontext import parse_json

    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the body is not valid JSON (not UTF-8 text)") from None
    # The one JSON reader of untrusted text: bounded size and nesting, no NaN, numbers of at most
    # 40 characters, no key twice, in time linear in the body's length.
    value = parse_json(text, "the body", BadRequest, "not valid JSON", finite=False)
    if not isinstance(value, dict):
        raise BadRequest(f"expected a JSON object, got {type(value).__name__}")
    return value


def job_request(body: dict) -> JobRequest:
    """{"rates": [...], "iterations": N, "print_every": K}, each within the limits above; optionally
    "paused" (true: start paused) and "speed" (iterations a second, or null for as fast as it goes)."""
    unknown = sorted(set(body) - {"rates", "iterations", "print_every", "paused", "speed"})
    if unknown:
        raise BadRequest(f"unknown field {unknown[0][:40]!r} (expected rates, iterations, print_every, "
                         "and optionally paused, speed)")
    rates = body.get("rates")
    if not isinstance(rates, list) or not 1 <= len(rates) <= MAX_RATES:
        raise BadRequest(f"rates: expected a list of 1 to {MAX_RATES} learning rates, got {_shown(rates)}")
    where = 'rates: expected numbers > 0 or "auto", each a learning rate: '
    rates = [_setting("learning_rate", rate, where) for rate in rates]
    # The settings' own rules first, then the page's caps on a run it keeps alive (iterations, points
    # of a curve).
    _setting("num_iterations", body.get("iterations"), "iterations: ")
    iterations = _whole(body, "iterations", 1, PAGE_ITERATIONS)
    _setting("print_every", body.get("print_every"), "print_every: ")
    print_every = _whole(body, "print_every", 1, iterations)
    if iterations // print_every > MAX_RECORDS:
        raise BadRequest(f"print_every: {iterations} iterations with a cost every {print_every} make "
                         f"{iterations // print_every} points a curve; at most {MAX_RECORDS}")
    paused = body.get("paused", False)
    if not isinstance(paused, bool):
        raise BadRequest(f"paused: expected true or false, got {_shown(paused)}")
    return JobRequest(tuple(r if r == "auto" else float(r) for r in rates), iterations, print_every, paused, speed(body) if "speed" in body
                      else None)


def _setting(name: str, value, where: str):
    """`value` checked by the run's setting `name` (see `app.setting_table`); refused as a BadRequest
    that starts with `where` and says what the setting's check says."""
    from ..app.setting_table import BY_NAME
    from ..errors import SingleNeuronError

    try:
        return BY_NAME[name].checked(value)
    except SingleNeuronError as exc:
        raise BadRequest(where + str(exc).partition(": ")[2]) from None


def step_request(body: dict) -> int:
    """{"iterations": N}: how many iterations a step lets through, 1 to PAGE_ITERATIONS."""
    _only(body, {"iterations"})
    return _whole(body, "iterations", 1, PAGE_ITERATIONS)


def speed(body: dict) -> float | None:
    """{"speed": S}: iterations a second, from MIN_SPEED to MAX_SPEED, or null for as fast as it goes."""
    value = body.get("speed")
    if value is None and "speed" in body:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not MIN_SPEED <= value <= MAX_SPEED:
        raise BadRequest(f"speed: expected iterations a second from {MIN_SPEED:g} to {MAX_SPEED:g}, or null for "
                         f"as fast as it goes, got {_shown(value)}")
    return float(value)


def speed_request(body: dict) -> float | None:
    """{"speed": S or null}, as `speed`."""
    _only(body, {"speed"})
    if "speed" not in body:
        raise BadRequest("speed: expected iterations a second, or null for as fast as it goes (the field is missing)")
    return speed(body)


def _only(body: dict, fields: set[str]) -> None:
    unknown = sorted(set(body) - fields)
    if unknown:
        raise BadRequest(f"unknown field {unknown[0][:40]!r} (expected {', '.join(sorted(fields))})")


def run_index(body: dict) -> int:
    """{"run": k}: the index of a run of the last job."""
    run = body.get("run")
    if isinstance(run, bool) or not isinstance(run, int):
        raise BadRequest(f"run: expected the index of a run (0, 1, ...), got {_shown(run)}")
    return run


def _whole(body: dict, name: str, lowest: int, highest: int) -> int:
    value = body.get(name)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
        raise BadRequest(f"{name}: expected a whole number from {lowest} to {highest}, got {_shown(value)}")
    return value


def _shown(value) -> str:
    """A value from a request, short enough for a message."""
    text = json.dumps(value) if not isinstance(value, float) or math.isfinite(value) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."
