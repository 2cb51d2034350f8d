"""A training job of the page: the course's learning-rate comparison, run live, under the page's controls.

One run of `single_neuron.train` per learning rate, one after the other, on the
server's data, in a thread of its own. Everything a page needs to draw the runs is
an event, appended to the job's list as it happens: the cost of every iteration (for
long runs, thinned for display: see `Curve`), w every so often, each run's final
cost and accuracies at its end, and every change of the controls. A page reads the
list as a stream of server-sent events from any position, so a page that reconnects
misses nothing.

The controls are real controls of the run, not of a replay: the descent loop asks
`should_stop()` before every iteration, and the job answers through a `Gate` that
lets iterations through all at once (playing), at a pace (so many a second), or not
at all (paused) but for a step of N. The job stops when asked, and when no page has
watched it for `UNWATCHED_GRACE` seconds, paused or not: a job whose page was closed does not
run on, or wait, for nobody.

Each run records the cost at every iteration (on the Gram form it is free; on the
primal form it is one more pass over Z); the served model keeps one every
`print_every`, as `train --print-every` would have recorded them.
"""

from __future__ import annotations

import dataclasses
import json
import math
import secrets
import sys
import threading
import time
from dataclasses import dataclass

import anyio
import numpy as np

from ..errors import SingleNeuronError
from .encode import DRAWN_AT_MOST, packed

UNWATCHED_GRACE = 2.0    # seconds a job runs on with no page watching it (a reload reconnects sooner)
DISPLAY_POINTS = 5_000   # points of a run's curve the page gets, at most, besides those a pause adds
FLUSH_SECONDS = 0.05     # how long new points wait to be sent together
WEIGHTS_SECONDS = 0.25   # at least this long between two drawings of w while a run plays ...
WEIGHTS_PER_RUN = 50     # ... and about this many a run; the events are kept for pages that reconnect
WEIGHTS_HELD = 200       # besides those, one at each pause or step, up to this many a run
POLL_SECONDS = 0.05      # how often an event stream looks for new events, and a held gate for a stop
HEARTBEAT_SECONDS = 1.0  # a comment line at least this often, so that a closed page is noticed


@dataclass(frozen=True)
class JobRequest:
    """What the page asks for: learning rates, iterations per run, a cost every `print_every` kept
    with each run's model; whether to start paused, and a pace in iterations a second (None: as
    fast as it goes)."""

    rates: tuple[float | str, ...]      # a number, or "auto"
    iterations: int
    print_every: int
    paused: bool = False
    speed: float | None = None


class Gate:
    """What lets the descent loop's iterations through: every one (playing), at most `speed` a
    second (paced), or none but those a step allows (paused). Steps are not paced: a step of a
    hundred is a hundred iterations at once."""

    def __init__(self, paused: bool = False, speed: float | None = None):
        self._changed = threading.Condition()
        self.paused, self.speed = paused, speed
        self.allowance = 0                   # iterations a step still lets through while paused
        self._due = None                     # when the next paced iteration may start

    def state(self) -> dict:
        return {"paused": self.paused, "speed": self.speed, "allowed": self.allowance}

    def pause(self) -> None:
        with self._changed:
            self.paused, self.allowance = True, 0
            self._changed.notify_all()

    def play(self) -> None:
        with self._changed:
            self.paused, self.allowance, self._due = False, 0, None
            self._changed.notify_all()

    def step(self, iterations: int) -> None:
        with self._changed:
            self.paused = True
            self.allowance += iterations
            self._changed.notify_all()

    def set_speed(self, speed: float | None) -> None:
        with self._changed:
            self.speed, self._due = speed, None
            self._changed.notify_all()

    def wake(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def holding(self) -> bool:
        """True where the next iteration has to wait for the page: paused, no step left."""
        return self.paused and self.allowance == 0

    def wait(self, abandoned, on_hold=None) -> None:
        """Return once one iteration may go, or once `abandoned()` says the job is over; call
        `on_hold()` once if it has to wait for the page (paused, no step left)."""
        if not self.paused and self.speed is None:     # playing at full speed: no lock for each iteration
            return                                     # (a pause that comes meanwhile holds the next one)
        with self._changed:
            while True:
                if abandoned():
                    return
                if self.paused and self.allowance > 0:
                    self.allowance -= 1
                    return
                if not self.paused:
                    if self.speed is None:
                        return
                    now = time.monotonic()
                    due = now if self._due is None else self._due
                    if now >= due:
                        self._due = max(due, now) + 1.0 / self.speed
                        return
                    self._changed.wait(min(due - now, POLL_SECONDS))
                    continue
                if on_hold is not None:
                    on_hold()
                    on_hold = None
                self._changed.wait(POLL_SECONDS)


class Curve:
    """The points of one run's cost curve that the page gets, sent as `costs` events.

    A run of at most DISPLAY_POINTS iterations sends the cost of every iteration. A longer one is
    cut into buckets of k consecutive iterations (DISPLAY_POINTS / 2 buckets) and sends, of each,
    the point of the lowest and of the highest cost, in order: every point sent is a real
    (iteration, cost), and a swing of the cost inside a bucket stays visible. Points wait at most
    FLUSH_SECONDS to be sent together; a pause sends what has come, the open bucket included (a
    page that steps one iteration at a time sees each one, up to DISPLAY_POINTS more points)."""

    def __init__(self, job: TrainingJob, run: int, iterations: int):
        self.job, self.run = job, run
        self.k = 1 if iterations <= DISPLAY_POINTS else math.ceil(iterations / (DISPLAY_POINTS // 2))
        self.pending: list[tuple[int, float]] = []
        self.low = self.high = None
        self.count = self.sent = 0
        self.last = None                     # the last (iteration, cost) recorded
        self.flushed = time.monotonic()

    def add(self, i: int, cost: float) -> None:
        self.last = (i, cost)
        if self.k == 1:
            self.pending.append(self.last)
        else:
            if self.low is None or cost < self.low[1]:
                self.low = self.last
            if self.high is None or cost > self.high[1]:
                self.high = self.last
            self.count += 1
            if self.count == self.k:
                self._close()
        if time.monotonic() - self.flushed >= FLUSH_SECONDS:
            self.flush()

    def _close(self) -> None:
        if self.low is not None:
            self.pending.extend(sorted({self.low, self.high}))
        self.low = self.high = None
        self.count = 0

    def finish(self, report: dict | None = None) -> None:
        """The run is over: what is left goes out, the open bucket too, and with the run's report the
        curve reaches the end of the run, the final cost at iteration n_iter (`app.weight_maps.cost_points`)."""
        from ..app.weight_maps import cost_points

        self._close()
        if report is not None:
            costs = report["costs"]                    # every iteration's
            iterations, values = cost_points(costs, 1, report["n_iter"], report["final_cost"])
            self.pending.extend(zip(iterations[len(costs):], values[len(costs):]))
        self.flush()

    def flush(self, held: bool = False) -> None:
        if held and self.count and self.sent + len(self.pending) < 2 * DISPLAY_POINTS:
            self._close()
        self.flushed = time.monotonic()
        if self.pending:
            self.job._emit("costs", run=self.run, i=[p[0] for p in self.pending], cost=[p[1] for p in self.pending])
            self.sent += len(self.pending)
            self.pending = []


class TrainingJob:
    """One comparison of learning rates, running or done; `events` is its whole story, in order."""

    def __init__(self, request: JobRequest, train_set, test_set, grace: float = UNWATCHED_GRACE):
        self.grace = grace
        self.id = secrets.token_hex(8)
        self.request = request
        self.train_set, self.test_set = train_set, test_set
        self.events: list[str] = []          # server-sent events, ready to send
        self.runs: list = []                 # TrainingRun per rate, None where a run failed
        self.stop_reason: str | None = None
        self.finished = threading.Event()
        self.gate = Gate(request.paused, request.speed)
        self.run_index: int | None = None    # the run under way
        self.curve: Curve | None = None      # its curve
        self._held_at = None                 # (run, next iteration) where the gate last held, once said
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._emitting = threading.Lock()
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
        self.gate.wake()

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

    # ------------------------------------------------------------------ the page's controls

    def pause(self) -> None:
        self.gate.pause()
        self._emit_control()

    def play(self) -> None:
        self.gate.play()
        self._emit_control()

    def step(self, iterations: int) -> None:
        self.gate.step(iterations)
        self._emit_control()

    def set_speed(self, speed: float | None) -> None:
        self.gate.set_speed(speed)
        self._emit_control()

    def _emit_control(self) -> None:
        self._emit("control", paused=self.gate.paused, speed=self.gate.speed)

    # ------------------------------------------------------------------ what the descent loop asks

    def _abandoned(self) -> bool:
        if self._stop.is_set():
            return True
        if self._watchers == 0 and time.monotonic() - self._unwatched_since > self.grace:
            self.stop("no page was watching it")
            return True
        return False

    def should_stop(self) -> bool:
        """Asked by the descent loop before every iteration: waits at the gate while it holds."""
        if self._abandoned():
            return True
        self.gate.wait(self._abandoned, self._held)
        return self._stop.is_set()

    def _held(self) -> None:
        """The run waits for the page: what it has computed goes out now, and the page is told where."""
        curve = self.curve
        if curve is None:
            return
        at = (curve.run, 0 if curve.last is None else curve.last[0] + 1)
        if at == self._held_at:
            return
        self._held_at = at
        curve.flush(held=True)
        self._emit("held", run=at[0], next=at[1])

    def status(self) -> dict:
        return {"job": self.id, "running": self.running, "stopped": self.stop_reason,
                "rates": list(self.request.rates), "iterations": self.request.iterations,
                "print_every": self.request.print_every, "paused": self.gate.paused, "speed": self.gate.speed,
                "run": self.run_index, "iteration": None if self.curve is None or self.curve.last is None
                else self.curve.last[0],
                "watchers": self._watchers, "events": len(self.events),
                "runs": [None if run is None else _run_summary(run) for run in self.runs]}

    # ------------------------------------------------------------------ the thread

    def _emit(self, kind: str, **fields) -> None:
        text = json.dumps({"type": kind, "job": self.id, **fields}, allow_nan=False)
        with self._emitting:                 # the thread and the control requests both emit
            self.events.append(f"id: {len(self.events) + 1}\nevent: {kind}\ndata: {text}\n\n")

    def _work(self) -> None:
        from ..app.jobs import train

        request = self.request
        self._emit("start", rates=list(request.rates), iterations=request.iterations,
                   print_every=request.print_every, classes=list(self.train_set.classes),
                   input_shape=list(self.train_set.image_shape), m_train=self.train_set.m,
                   paused=self.gate.paused, speed=self.gate.speed)
        for k, rate in enumerate(request.rates):
            if self._stop.is_set():
                break
            self.run_index, self.curve = k, Curve(self, k, request.iterations)
            self._emit("run", run=k, rate=rate)
            try:
                run = train(self.train_set, self.test_set, learning_rate=rate, num_iterations=request.iterations,
                            print_every=1, should_stop=self.should_stop, on_record=self.curve.add,
                            on_weights=_Snapshots(self, k))
            except SingleNeuronError as exc:
                self.curve.finish()
                self.runs.append(None)
                self._emit("run-error", run=k, rate=rate, message=str(exc))
                continue
            except Exception as exc:  # noqa: BLE001 -- the job must end with an event, whatever happened
                print(f"single-neuron: error: training at learning rate {rate} failed "
                      f"({type(exc).__name__}: {exc})", file=sys.stderr)
                self.curve.finish()
                self.runs.append(None)
                self._emit("run-error", run=k, rate=rate, message=f"internal error ({type(exc).__name__})")
                continue
            self.curve.finish(run.report)
            run = kept(run, request.print_every)
            self.runs.append(run)
            self._emit_weights(k, run.report["n_iter"], run.model.w, run.model.b)
            self._emit("run-end", run=k, rate=rate, **_run_summary(run))
        self._emit("end", stopped=self.stop_reason)
        self.finished.set()

    def _emit_weights(self, run: int, i: int, w, b) -> None:
        """w at iteration i as the page draws it: the map of `app.weight_maps.weights_map`, and b."""
        from ..app.weight_maps import weights_map
        from ..neuron.formulas import to_numpy

        shape = self.train_set.image_shape
        if int(np.prod(shape)) <= DRAWN_AT_MOST:
            self._emit("weights", run=run, i=i, b=float(b), map=packed(weights_map(to_numpy(w), shape)))


def kept(run, print_every: int):
    """The run as its model keeps it: the costs of iterations 0, K, 2K, ... (K = print_every), as
    `train --print-every K` records them, of the costs of every iteration the page was shown."""
    costs = run.report["costs"][::print_every]
    model = dataclasses.replace(run.model, costs=list(costs),
                                training={**run.model.training, "print_every": print_every})
    return dataclasses.replace(run, model=model, report={**run.report, "costs": costs, "print_every": print_every})


class _Snapshots:
    """The on_weights hook: w drawn at a run's first iteration; while it plays, every so often
    (at least WEIGHTS_SECONDS apart, about WEIGHTS_PER_RUN times a run); and where the gate is
    about to hold (a pause, the end of a step), so that a page that waits sees w as it is."""

    def __init__(self, job: TrainingJob, run: int):
        self.job, self.run = job, run
        self.spacing = max(1, math.ceil(job.request.iterations / WEIGHTS_PER_RUN))
        self.since, self.held, self.last = 0, 0, -math.inf
        self.wanted = int(np.prod(job.train_set.image_shape)) <= DRAWN_AT_MOST

    def __call__(self, i: int, current) -> None:
        if not self.wanted:
            return
        self.since += 1
        now = time.monotonic()
        holding = self.job.gate.holding() and self.held < WEIGHTS_HELD
        if not (i == 0 or holding or (self.since >= self.spacing and now - self.last >= WEIGHTS_SECONDS)):
            return
        self.held += holding
        self.since, self.last = 0, now
        w, b = current()
        self.job._emit_weights(self.run, i, w, b)


def _run_summary(run) -> dict:
    report = run.report
    return {"n_iter": report["n_iter"], "stopped": report["stopped"], "train_accuracy": report["train_accuracy"],
            "test_accuracy": report["test_accuracy"], "final_cost": report["final_cost"],
            "warning": report["warning"], "seconds": report["seconds"],
            **{key: report[key] for key in ("learning_rate_used", "restarts") if key in report}}


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
