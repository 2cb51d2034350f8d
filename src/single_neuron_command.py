"""The `single-neuron` command's entry point: Ctrl-C and SIGTERM handled from the first moment.

Python turns a Ctrl-C into a KeyboardInterrupt wherever it lands, and a SIGTERM before any
handler ends the process with no word. Before the command's own handlers are in place (see
`single_neuron.cli.interruption`), that is while NumPy and the package are imported, a tenth
of a second on a quiet machine and seconds on a busy one, either would be a traceback or a
silent death. So this module, which imports only the standard library's signal support,
puts handlers in place as it is imported, the first thing the installed command does after
the interpreter's own start-up, that end the start-up with the command's one line and exit
status (130 for SIGINT, 143 for SIGTERM); then `main` hands over to
`single_neuron.cli.main`, which installs its own. Only a signal within the interpreter's own
start-up, before any line of the command has run, ends it Python's way.
"""

import os
import signal


def _during_start_up(signum, frame):
    word = "interrupted" if signum == signal.SIGINT else "terminated by SIGTERM"
    try:
        os.write(2, f"single-neuron: {word}\n".encode())
    finally:
        os._exit(128 + signum)      # nothing has been opened for writing yet: nothing to clean up


for _signum in (signal.SIGINT, signal.SIGTERM):
    signal.signal(_signum, _during_start_up)


def main() -> int:
    from single_neuron.cli import main as run

    return run()
