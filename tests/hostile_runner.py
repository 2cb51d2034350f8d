"""Run many command lines in one process, as `python -m single_neuron` would run each.

    python hostile_runner.py PLAN.json RESULTS.json

PLAN is a list of {"id", "argv", "env", "seconds"}; for each, the command line's `main` runs with
file descriptors 1 and 2 sent to files of their own (so that what C libraries print is
caught too), Python's warning filters fresh (a warning shows again in every case, as in
a new process), the environment changed by "env" for that case only, and a time limit
("seconds", CASE_SECONDS by default).
An exception that `main` lets out is what a user would see as a traceback: it is
recorded as such. RESULTS gets one entry per case, written after each case, so that a
process killed half-way still says where it was.
"""

import json
import os
import signal
import sys
import tempfile
import time
import traceback
import warnings

CASE_SECONDS = 30


class CaseTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise CaseTimeout("no answer within the case's time limit")


def run_case(main, case):
    saved_env = {k: os.environ.get(k) for k in case.get("env", {})}
    os.environ.update(case.get("env", {}))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        sys.stderr.flush()
        saved = os.dup(1), os.dup(2)
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        code, crash, started = None, None, time.perf_counter()
        signal.alarm(case.get("seconds", CASE_SECONDS))
        try:
            with warnings.catch_warnings():
                code = main(case["argv"])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            crash = traceback.format_exc()
        finally:
            signal.alarm(0)
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        result = {"id": case["id"], "code": code, "crash": crash, "seconds": seconds,
                  "stdout": out.read().decode("utf-8", "backslashreplace"),
                  "stderr": err.read().decode("utf-8", "backslashreplace")}
    for key, value in saved_env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    return result


def main():
    plan_path, results_path = sys.argv[1], sys.argv[2]
    with open(plan_path, encoding="utf-8") as f:
        plan = json.load(f)
    signal.signal(signal.SIGALRM, _alarm)
    from single_neuron.cli import main as cli

    results = []
    for case in plan:
        results.append(run_case(cli, case))
        with open(results_path, "w", encoding="utf-8") as f:
            json.dump(results, f)


if __name__ == "__main__":
    main()
