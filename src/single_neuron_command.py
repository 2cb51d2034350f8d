"""The `single-neuron` command's entry point: Ctrl-C and SIGTERM handled from the first moment.

Python turns a Ctrl-C into a KeyboardInterrupt wherever it lands. Before the
command's own handlers are in place (see `single_neuron.cli.interruption`), that is
while NumPy and the package are imported, a tenth of a second on a quiet machine and
seconds on a busy one, it would be a traceback. So this module, which imports only
the standard library's signal support, first puts handlers in place that end the
start-up with the command's one line and exit status (130 for SIGINT, 143 for
SIGTERM), then hands over to `single_neuron.cli.main`, which installs its own.
"""

import os
import signal


def _during_start_up(signum, frame):
    word = "interrupted" if signum == signal.SIGINT else f"terminated by {signal.Signals(signum).name}"
    try:
        os.write(2, f"single-neuron: {word}\n".encode())
    finally:
        os._exit(128 + signum)      # nothing has been opened for writing yet: nothing to clean up


def main() -> int:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _during_start_up)
    from single_neuron.cli import main as run

    return run()
