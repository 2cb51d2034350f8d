"""The web application: four pages and the JSON API behind them (Starlette).

Pages (static files of this package; their scripts call the API):
  /          Is it a cat?     drop a photo: the 64x64 view, probability, label, contribution map
  /learned   What it learned  w as an image, b, the cost curve, the accuracies
  /learn     Watch it learn   one live cost curve per learning rate, w redrawn as it learns
  /graph     The graph        the notes' J = 3(a + bc) and one example's logistic loss

API (JSON in and out; every error is {"error": one line}):
  POST /api/predict          multipart field "image" -> {"label", "class", "probability"}, as predict --json
  POST /api/view             the same, with the image as the model sees it and its contribution map
  GET  /api/model            the served model: w, b, costs, settings, accuracies
  GET  /api/graph            ?example=notes&a=5&b=3&c=2 or ?example=logistic&x1=..&w1=..&b=..&y=1
  POST /api/train            {"rates": [...], "iterations": N, "print_every": K, "paused"?, "speed"?}
                             -> 202 {"job"}; 409 while one runs
  GET  /api/train            the last job's state ({"job": null, "running": false} before any)
  GET  /api/train/events     the last job as server-sent events, from the start or from Last-Event-ID
  POST /api/train/pause      hold the running job before its next iteration
  POST /api/train/play       let it run on
  POST /api/train/step       {"iterations": N}: let N more iterations through, then hold
  POST /api/train/speed      {"speed": S}: at most S iterations a second (null: as fast as it goes)
  POST /api/train/stop       stop the running job
  POST /api/train/keep       {"run": k}: serve run k's model from now on
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from importlib.resources import files

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ..errors import SingleNeuronError
from .bodies import BadRequest, job_request, json_body, run_index, speed_request, step_request, upload
from .encode import model_summary
from .guard import Guard, error_response
from .state import Conflict, Missing, ServerState
from .training import event_stream

# Each page: its path, its title, and the two files of its own (its <main>, its script); the
# header and the rest are layout.html's.
PAGES = {"/": ("Is it a cat?", "classify"), "/learned": ("What it learned", "learned"),
         "/learn": ("Watch it learn", "learn"), "/graph": ("The graph", "graph")}
MEDIA_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
UPLOAD_PATHS = frozenset({"/api/predict", "/api/view"})
JSON_LIMIT = 64 * 1024       # bytes of a JSON request body: far more than any real request needs


def create_app(state: ServerState, *, hosts: frozenset[str], upload_limit: int) -> Starlette:
    """The application serving `state`, answering only requests addressed to one of `hosts`."""
    routes = [*_page_routes(), *_model_routes(state), *_training_routes(state)]
    handlers = {HTTPException: _http_error, BadRequest: _bad_request, SingleNeuronError: _library_error,
                Conflict: _conflict, Missing: _missing, Exception: _internal_error}
    guard = Middleware(Guard, hosts=hosts, upload_limit=upload_limit, json_limit=JSON_LIMIT,
                       upload_paths=UPLOAD_PATHS)

    @asynccontextmanager
    async def lifespan(app):
        yield
        state.close()

    return Starlette(routes=routes, middleware=[guard], exception_handlers=handlers, lifespan=lifespan)


def _page_routes() -> list[Route]:
    """The pages and their assets, read once from this package's static files."""
    folder = files(__package__) / "static"
    assets = {entry.name: entry.read_bytes() for entry in folder.iterdir()
              if entry.is_file() and entry.name[entry.name.rfind("."):] in MEDIA_TYPES}
    pages = {path: _page(folder, title, name) for path, (title, name) in PAGES.items()}

    def page(request: Request) -> Response:
        return Response(pages[request.url.path], media_type="text/html; charset=utf-8")

    def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in assets:          # a fixed set of names: nothing here ever reaches the disk
            raise HTTPException(404, f"no such asset: {name[:80]!r}")
        return Response(assets[name], media_type=MEDIA_TYPES[name[name.rindex("."):]],
                        headers={"cache-control": "no-cache"})

    return [*(Route(path, page, methods=["GET"]) for path in PAGES),
            Route("/assets/{name}", asset, methods=["GET"])]


def _model_routes(state: ServerState) -> list[Route]:
    """What the served model says of a photo, the model itself, and the notes' graphs."""

    async def predict(request: Request) -> Response:
        from . import uploads

        data, name = await upload(request)
        answer = await uploads.off_the_loop(uploads.prediction, state.served.model, data, name, closing=state.closing)
        return _json(answer)

    async def view(request: Request) -> Response:
        from . import uploads

        data, name = await upload(request)
        answer = await uploads.off_the_loop(uploads.view, state.served.model, data, name, closing=state.closing)
        return _json(answer)

    def model(request: Request) -> Response:
        served = state.served
        return _json(model_summary(served.model, served.source))

    def graph(request: Request) -> Response:
        from .graphs import graph as build

        query = dict(request.query_params)
        example = query.pop("example", "notes")
        return _json(build(example, query))

    return [Route("/api/predict", predict, methods=["POST"]), Route("/api/view", view, methods=["POST"]),
            Route("/api/model", model, methods=["GET"]), Route("/api/graph", graph, methods=["GET"])]


def _training_routes(state: ServerState) -> list[Route]:
    """The page's training job: start it, follow it, pause, play, step and pace it, stop it, keep one
    of its runs."""

    async def train_start(request: Request) -> Response:
        job = state.start_job(job_request(await json_body(request)))
        return _json({"job": job.id, "running": True}, status=202)

    def train_status(request: Request) -> Response:
        return _json(state.job_status())

    def controlled(job) -> Response:
        return _json({"job": job.id, "running": job.running, **job.gate.state()})

    def train_pause(request: Request) -> Response:
        job = state.running_job()
        job.pause()
        return controlled(job)

    def train_play(request: Request) -> Response:
        job = state.running_job()
        job.play()
        return controlled(job)

    async def train_step(request: Request) -> Response:
        iterations = step_request(await json_body(request))
        job = state.running_job()
        job.step(iterations)
        return controlled(job)

    async def train_speed(request: Request) -> Response:
        speed = speed_request(await json_body(request))
        job = state.running_job()
        job.set_speed(speed)
        return controlled(job)

    def train_stop(request: Request) -> Response:
        job = state.current_job()
        if job.running:
            job.stop("stopped from the page")
        return _json({"job": job.id, "running": job.running, "stopping": job.stop_reason is not None})

    async def train_keep(request: Request) -> Response:
        served = state.keep(run_index(await json_body(request)))
        return _json({"source": served.source})

    def train_events(request: Request) -> Response:
        start = request.headers.get("last-event-id") or request.query_params.get("from") or "0"
        if not (start.isascii() and start.isdigit()) or len(start) > 9:
            raise BadRequest(f"Last-Event-ID: expected a whole number, got {start[:20]!r}")
        job = state.current_job()
        return StreamingResponse(event_stream(job, int(start), state.closing), media_type="text/event-stream",
                                 headers={"cache-control": "no-store"})

    return [Route("/api/train", train_start, methods=["POST"]), Route("/api/train", train_status, methods=["GET"]),
            Route("/api/train/pause", train_pause, methods=["POST"]),
            Route("/api/train/play", train_play, methods=["POST"]),
            Route("/api/train/step", train_step, methods=["POST"]),
            Route("/api/train/speed", train_speed, methods=["POST"]),
            Route("/api/train/stop", train_stop, methods=["POST"]),
            Route("/api/train/keep", train_keep, methods=["POST"]),
            Route("/api/train/events", train_events, methods=["GET"])]


def _page(folder, title: str, name: str) -> bytes:
    """The page `name`: layout.html around <name>.html, with its title and its script <name>.js."""
    layout = (folder / "layout.html").read_text(encoding="utf-8")
    main = (folder / f"{name}.html").read_text(encoding="utf-8")
    return (layout.replace("{{title}}", title).replace("{{script}}", f"{name}.js")
            .replace("{{main}}", main).encode("utf-8"))


def _json(content, status: int = 200) -> JSONResponse:
    return JSONResponse(content, status_code=status, headers={"cache-control": "no-store"})


# ---------------------------------------------------------------------- errors as JSON


def _http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == 404 and exc.detail == "Not Found":
        message = f"no such page or endpoint: {request.url.path[:100]}"
    elif exc.status_code == 405:
        message = (f"{request.method[:20]} is not allowed on {request.url.path[:100]} "
                   f"(allowed: {(exc.headers or {}).get('Allow', 'none')})")
    else:
        message = str(exc.detail)
    response = error_response(exc.status_code, message)
    if exc.headers and "Allow" in exc.headers:
        response.headers["allow"] = exc.headers["Allow"]
    return response


def _bad_request(request: Request, exc: BadRequest) -> Response:
    return error_response(exc.status, str(exc))


def _library_error(request: Request, exc: SingleNeuronError) -> Response:
    return error_response(400, str(exc))


def _conflict(request: Request, exc: Conflict) -> Response:
    return error_response(409, str(exc))


def _missing(request: Request, exc: Missing) -> Response:
    return error_response(404, str(exc))


def _internal_error(request: Request, exc: Exception) -> Response:
    return error_response(500, "internal error; the server logged it")
