"""What one server holds: the served model, the data it trains on, at most one training job."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ..io.dataset import Dataset
from ..io.modelfile import SavedModel
from .training import UNWATCHED_GRACE, JobRequest, TrainingJob


class Conflict(Exception):
    """A request that the server's state refuses now (409): a second job, keeping a running one."""


class Missing(Exception):
    """A request for something the server does not have (404): no job yet, no such run."""


@dataclass(frozen=True)
class Served:
    """The model the pages use and where it came from, in words; for a run kept from a job of the
    page, which job and which run."""

    model: SavedModel
    source: str
    job: str | None = None
    run: int | None = None


class ServerState:
    def __init__(self, served: Served, train_set: Dataset, test_set: Dataset | None, *, grace: float = UNWATCHED_GRACE):
        self.grace = grace                    # seconds a job runs on with no page watching it
        self.served = served                  # replaced whole, never changed in place
        self.train_set, self.test_set = train_set, test_set
        self.job: TrainingJob | None = None
        self.closing = threading.Event()      # set when the server begins to shut down
        self._lock = threading.Lock()

    def start_job(self, request: JobRequest) -> TrainingJob:
        with self._lock:
            if self.job is not None and self.job.running:
                raise Conflict(f"a training job is already running ({self.job.id}); stop it or wait for its end")
            self.job = TrainingJob(request, self.train_set, self.test_set, self.grace)
            self.job.start()
            return self.job

    def current_job(self) -> TrainingJob:
        job = self.job
        if job is None:
            raise Missing("no training job has been started on this server")
        return job

    def keep(self, run_index: int) -> Served:
        """Serve the model of run `run_index` of the last job from now on."""
        job = self.current_job()
        if job.running:
            raise Conflict("the training job is still running; keep one of its models once it has ended")
        if not 0 <= run_index < len(job.runs) or job.runs[run_index] is None:
            done = [k for k, run in enumerate(job.runs) if run is not None]
            raise Missing(f"run {run_index} of the last job left no model (runs with one: "
                          f"{', '.join(map(str, done)) or 'none'})")
        run = job.runs[run_index]
        report = run.report
        from ..app.jobs import rate_text

        self.served = Served(run.model, f"trained on this page: learning rate {rate_text(report)}, "
                                        f"{report['n_iter']} iterations, on {report['train_source']}",
                             job=job.id, run=run_index)
        return self.served

    def job_status(self) -> dict:
        """GET /api/train: the last job's state, and which of its runs is served (None: none of them)."""
        job, served = self.job, self.served
        if job is None:
            return {"job": None, "running": False}
        return {**job.status(), "served_run": served.run if served.job == job.id else None}

    def running_job(self) -> TrainingJob:
        """The job the page's controls act on: the last one, still running."""
        job = self.current_job()
        if not job.running:
            raise Conflict(f"the training job {job.id} has ended ({job.stop_reason or 'done'}); start another")
        return job

    def begin_close(self) -> None:
        """The server is shutting down: event streams end, a running job stops. Waits for nothing."""
        self.closing.set()
        job = self.job
        if job is not None and job.running:
            job.stop("the server stopped")

    def close(self) -> None:
        """Stop a running job and wait for it briefly."""
        self.begin_close()
        if self.job is not None:
            self.job.join(timeout=5)
