"""A training job of the page: the course's learning-rate comparison, run live.

One run of `single_neuron.train` per learning rate, one after the other, on the
server's data, in a thread of its own. Everything a page needs to draw the runs is
an event, appended to the job's list as it happens: the costs as they are recorded,
w every few records, each run's accuracies at its end. A page reads the list as a
stream of server-sent events from any position, so a page that reconnects misses
nothing. The job stops when asked, and when no page has watched it for `GRACE`
seconds: a job whose page was closed does not run on for nobody.
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
import time
from dataclasses import dataclass

import anyio
import numpy as np

from ..errors import SingleNeuronError
from .encode import DRAWN_AT_MOST, drawable, packed

GRACE = 2.0              # seconds a job runs on with no page watching it (a reload reconnects sooner)
WEIGHTS_EVERY = 5        # records between two drawings of w ...
WEIGHTS_SECONDS = 0.25   # ... and at least this long between them, however fast the records come ...
WEIGHTS_PER_RUN = 50     # ... and at most this many in a run: the events are kept for pages that reconnect
POLL_SECONDS = 0.05      # how often an event stream looks for new events
HEARTBEAT_SECONDS = 1.0  # a comment line at least this often, so that a closed page is noticed


@dataclass(frozen=True)
class JobRequest:
    """What the page asks for: learning rates, iterations per run, a cost every `print_every`."""

    rates: tuple[float, ...]
    iterations: int
    print_every: int


class TrainingJob:
    """One comparison of learning rates, running or done; `events` is its whole story, in order."""

    def __init__(self, request: JobRequest, train_set, test_set, grace: float = GRACE):
        self.grace = grace
        self.id = secrets.token_hex(8)
        self.request = request
        self.train_set, self.test_set = train_set, test_set
        self.events: list[str] = []          # server-sent events, ready to send
        self.runs: list = []                 # TrainingRun per rate, None where a run failed
        self.stop_reason: str | None = None
        self.finished = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._watchers = 0
        self._unwatched_since = time.monotonic()
        self._thread = threading.Thread(target=self._work, name=f"training {self.id}", daemon=True)

    @property
    def running(self) -> bool:
        return not self.finished.is_set()

    def start(self) -> None:
        self._thread.start()

    def stop(self, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def watch(self) -> None:
        with self._lock:
            self._watchers += 1

    def unwatch(self) -> None:
        with self._lock:
            self._watchers -= 1
            if self._watchers == 0:
                self._unwatched_since = time.monotonic()

    def should_stop(self) -> bool:
        """Asked by the descent loop before every iteration."""
        if self._stop.is_set():
            return True
        if self._watchers == 0 and time.monotonic() - self._unwatched_since > self.grace:
            self.stop("no page was watching it")
            return True
        return False

    def status(self) -> dict:
        return {"job": self.id, "running": self.running, "stopped": self.stop_reason,
                "rates": list(self.request.rates), "iterations": self.request.iterations,
                "print_every": self.request.print_every, "watchers": self._watchers, "events": len(self.events),
                "runs": [None if run is None else _run_summary(run) for run in self.runs]}

    # ------------------------------------------------------------------ the thread

    def _emit(self, kind: str, **fields) -> None:
        text = json.dumps({"type": kind, "job": self.id, **fields}, allow_nan=False)
        self.events.append(f"id: {len(self.events) + 1}\nevent: {kind}\ndata: {text}\n\n")

    def _work(self) -> None:
        from ..app.jobs import train

        request = self.request
        self._emit("start", rates=list(request.rates), iterations=request.iterations,
                   print_every=request.print_every, classes=list(self.train_set.classes),
                   input_shape=list(self.train_set.image_shape), m_train=self.train_set.m)
        for k, rate in enumerate(request.rates):
            if self._stop.is_set():
                break
            self._emit("run", run=k, rate=rate)
            try:
                run = train(self.train_set, self.test_set, learning_rate=rate, num_iterations=request.iterations,
                            print_every=request.print_every, should_stop=self.should_stop,
                            on_record=lambda i, cost, k=k: self._emit("record", run=k, i=i, cost=cost),
                            on_weights=_Snapshots(self, k))
            except SingleNeuronError as exc:
                self.runs.append(None)
                self._emit("run-error", run=k, rate=rate, message=str(exc))
                continue
            except Exception as exc:  # noqa: BLE001 -- the job must end with an event, whatever happened
                print(f"single-neuron: error: training at learning rate {rate:g} failed "
                      f"({type(exc).__name__}: {exc})", file=sys.stderr)
                self.runs.append(None)
                self._emit("run-error", run=k, rate=rate, message=f"internal error ({type(exc).__name__})")
                continue
            self.runs.append(run)
            if drawable(run.model.w):
                self._emit("weights", run=k, i=run.report["n_iter"], b=run.model.b,
                           w=packed(run.model.w.reshape(run.model.input_shape)))
            self._emit("run-end", run=k, rate=rate, **_run_summary(run))
        self._emit("end", stopped=self.stop_reason)
        self.finished.set()


class _Snapshots:
    """The on_weights hook: w drawn every few records (at most WEIGHTS_PER_RUN times a run), not more
    often than every WEIGHTS_SECONDS, and only where w is small enough to draw."""

    def __init__(self, job: TrainingJob, run: int):
        self.job, self.run = job, run
        request = job.request
        records = request.iterations // request.print_every + 1
        self.every = max(WEIGHTS_EVERY, -(-records // WEIGHTS_PER_RUN))
        self.records, self.last = 0, -np.inf
        self.wanted = int(np.prod(job.train_set.image_shape)) <= DRAWN_AT_MOST

    def __call__(self, i: int, current) -> None:
        self.records += 1
        now = time.monotonic()
        due = self.records == 1 or (self.records % self.every == 0 and now - self.last >= WEIGHTS_SECONDS)
        if not (self.wanted and due):
            return
        from ..neuron.formulas import to_numpy

        self.last = now
        w, b = current()
        shape = self.job.train_set.image_shape
        self.job._emit("weights", run=self.run, i=i, b=float(b), w=packed(to_numpy(w).reshape(shape)))


def _run_summary(run) -> dict:
    report = run.report
    return {"n_iter": report["n_iter"], "stopped": report["stopped"], "train_accuracy": report["train_accuracy"],
            "test_accuracy": report["test_accuracy"], "final_cost": report["final_cost"],
            "warning": report["warning"], "seconds": report["seconds"]}


async def event_stream(job: TrainingJob, start: int, closing: threading.Event):
    """The job's server-sent events from number `start` on, as they come; ends after the job's
    last one, or once `closing` is set (the server is shutting down). The job counts it as a
    watcher while it runs."""
    job.watch()
    try:
        sent, quiet = min(start, len(job.events)), 0.0
        while True:
            done = not job.running        # read before the events: the last one precedes the end
            available = len(job.events)
            if sent < available:
                chunk, sent, quiet = "".join(job.events[sent:available]), available, 0.0
                yield chunk
            elif done or closing.is_set():
                return
            else:
                await anyio.sleep(POLL_SECONDS)
                quiet += POLL_SECONDS
                if quiet >= HEARTBEAT_SECONDS:
                    quiet = 0.0
                    yield ": still learning\n\n"
    finally:
        job.unwatch()
