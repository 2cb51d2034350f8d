"""`serve`: the local web page, on loopback unless told otherwise, until Ctrl-C."""

from __future__ import annotations

from ..io.limits import RESIZE_SIDE
from .options import size, whole

WEB_PACKAGES = ("starlette", "uvicorn", "python_multipart")


def declare(commands) -> None:
    serve = commands.add_parser(
        "serve", help="a local web page: classify a photo, see what the neuron learned, watch it learn, "
                      "walk the computation graph",
        description="Serve the web page on HOST:PORT (loopback by default) until Ctrl-C. Without MODEL, "
                    "train one first on DATA with the course's settings.")
    serve.add_argument("model", nargs="?", metavar="MODEL",
                       help="model file written by train --model-out (default: train one on DATA)")
    serve.add_argument("--data", metavar="DATA",
                       help="what the page trains on: a course HDF5 file, a folder holding a train_*.h5 / "
                            "test_*.h5 pair, or a folder of images (default: the bundled digits)")
    serve.add_argument("--size", type=whole(1, RESIZE_SIDE), metavar="PX",
                       help="image folders: resize every image to PX x PX (default 64)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=whole(0, 65535), default=8000, help="port (default 8000; 0: any free one)")
    serve.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                       help="another name the page may be reached by (a Host header to accept); repeatable")
    serve.add_argument("--max-upload", type=size, default="10MB", metavar="SIZE",
                       help="largest image upload accepted (default 10MB)")
    serve.add_argument("--open", action="store_true", help="open the page in a web browser")
    serve.set_defaults(run=run)


def run(args) -> int:
    from importlib.util import find_spec

    from .output import fail, note

    missing = [name for name in WEB_PACKAGES if find_spec(name) is None]
    if missing:
        return fail(f"serve needs the web extra, which is not installed (missing {', '.join(missing)}): "
                    "pip install 'single-neuron[web]'")
    from ..web.server import address_of, is_loopback, listen

    upload_limit = args.max_upload
    try:
        sock = listen(args.host, args.port)          # first, so that a busy port costs nothing
    except OSError as exc:
        return fail(f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc})")
    with sock:
        host, port, url = address_of(sock, args.host)
        state = _state(args, note)
        from ..web.app import create_app
        from ..web.guard import host_names
        from ..web.server import serve

        app = create_app(state, hosts=host_names(host, port, args.allow_host), upload_limit=upload_limit)
        if not is_loopback(host):
            note(f"warning: serving on {host}, beyond this machine: anyone who can reach port {port} can use "
                 "the page and start training; there is no login")
        print(f"serving {url} (Ctrl-C to stop)", flush=True)
        if args.open:
            _open_later(url, note)
        signum = serve(app, sock, on_exit=state.begin_close)
    if signum is not None:
        from .interruption import Interrupted

        raise Interrupted(signum)                    # one line and 130 or 143, as every command
    return 0


def _state(args, note):
    """The served model (the file, or one trained now) and the data the page trains on."""
    from ..io.sources import load_training_data
    from ..web.state import ServerState, Served

    model = None
    if args.model:
        from ..io.modelfile import load_model

        model = load_model(args.model)               # a bad file is one line, before the data loads
    train_set, test_set = load_training_data(args.data, size=args.size)
    if model is not None:
        return ServerState(Served(model, f"the model file {args.model}"), train_set, test_set)
    from ..app.jobs import rate_text, train

    note(f"no MODEL given: training one on {train_set.source} with the course's settings")
    run = train(train_set, test_set)
    source = (f"trained when the server started: learning rate {rate_text(run.report)}, "
              f"{run.report['n_iter']} iterations, on {train_set.source}")
    return ServerState(Served(run.model, source), train_set, test_set)


def _open_later(url: str, note) -> None:
    import threading
    import webbrowser

    def open_page():
        if not webbrowser.open(url):
            note(f"no web browser found here; open {url} yourself")

    threading.Timer(0.5, open_page).start()
