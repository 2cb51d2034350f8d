"""The web page's figures: python benchmarks/web.py [--quick] [--out FILE] (run.py calls run()).

1. POST /api/predict with a 1-megapixel JPEG, through a real uvicorn server on loopback and a
   kept-alive connection: the median and 90th percentile of the round trip (target: median under
   20 ms), beside the time of the guarded reader alone (decode and resize) in this process.
2. What live updates cost a training run: the same run (the cat set if it is here, else the
   digits; 20,000 iterations) timed as a plain `train()` recording the cost of every iteration, as
   the page's job does, and as a page's job whose events a client reads as they come (target:
   under 10 % slower). The two alternate, and each is the median of several runs, all in one
   process. Beside them, the plain run with a cost every 10, for what recording every cost costs.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MEGAPIXEL = (1155, 866)          # width x height: 1.0 million pixels


def _data():
    from single_neuron.io.sources import load_training_data

    cats = Path(os.environ.get("SINGLE_NEURON_CATS") or HERE.parent.parent / "shared" / "data" / "cats")
    return load_training_data(cats if (cats / "train_catvnoncat.h5").is_file() else None)


def _jpeg() -> bytes:
    from importlib.resources import files

    from PIL import Image

    photo = Image.open(io.BytesIO((files("sklearn.datasets.images") / "china.jpg").read_bytes()))
    out = io.BytesIO()
    photo.convert("RGB").resize(MEGAPIXEL, Image.Resampling.BICUBIC).save(out, "JPEG", quality=90)
    return out.getvalue()


class _LiveServer:
    """The page's application on uvicorn in a thread of this process, on a free loopback port."""

    def __init__(self, state):
        import uvicorn

        from single_neuron.web.app import create_app
        from single_neuron.web.guard import host_names
        from single_neuron.web.server import listen

        self.sock = listen("127.0.0.1", 0)
        self.port = self.sock.getsockname()[1]
        app = create_app(state, hosts=host_names("127.0.0.1", self.port), upload_limit=10 * 1000**2)
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="error", access_log=False, lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start in 30 s")
            time.sleep(0.01)

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def close(self):
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


def predict_latency(live: _LiveServer, model, jpeg: bytes, repeat: int) -> dict:
    from single_neuron.io.images import read_image

    boundary = "benchmark-boundary"
    body = (f'--{boundary}\r\ncontent-disposition: form-data; name="image"; filename="photo.jpg"\r\n'
            "content-type: image/jpeg\r\n\r\n").encode() + jpeg + f"\r\n--{boundary}--\r\n".encode()
    headers = {"content-type": f"multipart/form-data; boundary={boundary}", "host": f"127.0.0.1:{live.port}"}
    connection = live.connection()
    times = []
    for k in range(repeat + 3):                    # three to warm up
        start = time.perf_counter()
        connection.request("POST", "/api/predict", body=body, headers=headers)
        answer = connection.getresponse()
        payload = answer.read()
        if k >= 3:
            times.append(time.perf_counter() - start)
        if answer.status != 200:
            raise RuntimeError(f"/api/predict answered {answer.status}: {payload[:200]!r}")
    connection.close()
    with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
        f.write(jpeg)
        f.flush()
        height, width, channels = model.input_shape
        reads = []
        for _ in range(repeat):
            start = time.perf_counter()
            read_image(f.name, (height, width), channels)
            reads.append(time.perf_counter() - start)
    times.sort()
    return {"image_pixels": MEGAPIXEL[0] * MEGAPIXEL[1], "jpeg_bytes": len(jpeg), "requests": repeat,
            "median_ms": statistics.median(times) * 1e3, "p90_ms": times[int(0.9 * (len(times) - 1))] * 1e3,
            "read_image_median_ms": statistics.median(reads) * 1e3}


def streaming_overhead(live: _LiveServer, train_set, test_set, repeat: int, iterations: int = 20_000,
                       every: int = 10) -> dict:
    from single_neuron.app.jobs import train

    settings = {"learning_rate": 0.005, "num_iterations": iterations, "print_every": 1}   # as the job records
    request = json.dumps({"rates": [0.005], "iterations": iterations, "print_every": every})
    headers = {"content-type": "application/json", "host": f"127.0.0.1:{live.port}"}
    plain, sparse, streamed, events, streamed_bytes = [], [], [], 0, 0
    train(train_set, test_set, **{**settings, "num_iterations": 10})          # warm-up
    for _ in range(repeat):
        plain.append(train(train_set, test_set, **settings).report["seconds"])
        sparse.append(train(train_set, test_set, **{**settings, "print_every": every}).report["seconds"])
        connection = live.connection()
        connection.request("POST", "/api/train", body=request, headers=headers)
        answer = connection.getresponse()
        if answer.status != 202:
            raise RuntimeError(f"/api/train answered {answer.status}: {answer.read()[:200]!r}")
        answer.read()
        connection.request("GET", "/api/train/events", headers={"host": headers["host"]})
        stream = connection.getresponse()
        # Read as a page reads, every event as it comes, but parse only at the end: the client
        # shares this process with the server, and a browser's work would not.
        received = bytearray()
        while b"event: end" not in received[-4096:]:
            chunk = stream.read1(65536)
            if not chunk:
                raise RuntimeError("the event stream ended before the job did")
            received += chunk
        text = received.decode()
        events, streamed_bytes = text.count("\ndata: "), len(received)
        seconds = json.loads(text.split("event: run-end\ndata: ", 1)[1].split("\n", 1)[0])["seconds"]
        connection.close()
        streamed.append(seconds)
    p, s, q = statistics.median(plain), statistics.median(streamed), statistics.median(sparse)
    return {"m": train_set.m, "n_x": int(train_set.X.shape[0]), "iterations": iterations, "print_every": every,
            "repeat": repeat, "plain_median_seconds": p, "streamed_median_seconds": s,
            "plain_every_10_median_seconds": q, "every_cost_overhead": p / q - 1,
            "overhead": s / p - 1, "events_per_run": events, "bytes_streamed_per_run": streamed_bytes}


def run(quick: bool = False) -> dict:
    from single_neuron.app.jobs import train
    from single_neuron.web.state import ServerState, Served

    train_set, test_set = _data()
    model = train(train_set, test_set).model
    live = _LiveServer(ServerState(Served(model, "the benchmark's model"), train_set, test_set))
    try:
        latency = predict_latency(live, model, _jpeg(), repeat=20 if quick else 50)
        overhead = streaming_overhead(live, train_set, test_set, repeat=3 if quick else 7)
    finally:
        live.close()
    results = {"data": train_set.source, "predict_1_megapixel_jpeg": latency, "live_training": overhead,
               "targets": {"predict_median_under_20_ms": latency["median_ms"] < 20,
                           "live_updates_cost_under_10_percent": overhead["overhead"] < 0.10}}
    print(f"\nweb page ({train_set.source}):")
    print(f"  POST /api/predict, 1-megapixel JPEG ({latency['jpeg_bytes'] / 1e3:.0f} kB): median "
          f"{latency['median_ms']:.1f} ms, p90 {latency['p90_ms']:.1f} ms "
          f"(decode and resize alone: {latency['read_image_median_ms']:.1f} ms)")
    print(f"  a training run ({overhead['iterations']} iterations, the cost of every one): "
          f"plain {overhead['plain_median_seconds'] * 1e3:.0f} ms (a cost every {overhead['print_every']}: "
          f"{overhead['plain_every_10_median_seconds'] * 1e3:.0f} ms), streamed live "
          f"{overhead['streamed_median_seconds'] * 1e3:.0f} ms ({100 * overhead['overhead']:+.1f} %, "
          f"{overhead['events_per_run']} events, {overhead['bytes_streamed_per_run'] / 1e3:.0f} kB)")
    print("  targets:", ", ".join(f"{k}: {'met' if v else 'NOT MET'}" for k, v in results["targets"].items()))
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--out", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    results = run(quick=args.quick)
    if args.out:
        from single_neuron.io.atomic import atomic_write

        with atomic_write(args.out) as f:
            f.write(json.dumps(results, indent=2).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
