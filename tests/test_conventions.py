"""What a user expects of a command-line tool: help with no arguments, `python -m`, --quiet,
progress bars that never break result lines on a terminal, tab completion, and hints that
lead somewhere sensible."""

import errno
import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from PIL import Image

from conftest import ROOT

COMMAND = str(Path(sys.executable).with_name("single-neuron"))


def test_no_arguments_prints_the_help(run_cli):
    code, out, err = run_cli()
    assert code == 0 and err == ""
    assert out.startswith("usage: single-neuron") and "train" in out and "predict" in out


def test_python_dash_m_is_the_same_program():
    same = [subprocess.run(args, capture_output=True, text=True, timeout=120)
            for args in ([sys.executable, "-m", "single_neuron", "--version"], [COMMAND, "--version"])]
    assert same[0].stdout == same[1].stdout == "single-neuron 0.1.0\n"
    bare = subprocess.run([sys.executable, "-m", "single_neuron"], capture_output=True, text=True, timeout=120)
    assert bare.returncode == 0 and bare.stdout.startswith("usage: single-neuron")


def test_quiet_prints_only_the_results(tmp_path, run_cli):
    code, out, err = run_cli("train", "--iterations", "300", "--learning-rate", "0.5", "--quiet",
                             "--model-out", tmp_path / "m.npz")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["train accuracy", "test accuracy", "model saved to " +
                                                      str(tmp_path / "m.npz")]
    loud = run_cli("train", "--iterations", "300", "--learning-rate", "0.5")[1].splitlines()
    assert [line for line in loud if line.startswith("Cost after iteration")] and loud[-2:] == lines[:2]


def test_evaluate_s_text_shows_the_log_loss(tmp_path, run_cli):
    model = tmp_path / "m.npz"
    assert run_cli("train", "--iterations", "200", "--learning-rate", "0.05", "--model-out", model)[0] == 0
    report = json.loads(run_cli("evaluate", model, "--json")[1])
    text = run_cli("evaluate", model)[1]
    assert f"log loss:  {report['log_loss']:.4f}\n" in text


# ----------------------------------------------------------------- a terminal: the pseudo-terminal


def on_a_terminal(args, env_extra=None, columns=100, status=0) -> bytes:
    """Run `args` with stdout and stderr on one pseudo-terminal, as in a terminal window; check
    its exit status and return every byte the program wrote to the terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, columns, 0, 0))
    # tqdm redraws at most every 0.1 s by default; at every step here, so that a bar is on the
    # screen whenever a result line is written.
    env = {**os.environ, "TQDM_MININTERVAL": "0", **(env_extra or {})}
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError as exc:                  # EIO: the program has closed its end
            if exc.errno != errno.EIO:
                raise
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.wait(timeout=120) == status
    return b"".join(chunks)


def screen_lines(raw: bytes) -> list[str]:
    """The lines a terminal shows for `raw`: a carriage return goes back to the start of the line
    and what follows overwrites it; escape sequences move nothing here (one bar, at position 0)."""
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw.decode("utf-8", "replace"))
    lines, line, col = [], [], 0
    for ch in text:
        if ch == "\r":
            col = 0
        elif ch == "\n":
            lines.append("".join(line).rstrip())
            line, col = [], 0
        else:
            if col < len(line):
                line[col] = ch
            else:
                line.append(ch)
            col += 1
    lines.append("".join(line).rstrip())
    return [ln for ln in lines if ln]


def test_predict_s_result_lines_on_a_terminal_hold_no_piece_of_the_bar(tmp_path):
    model = tmp_path / "m.npz"
    subprocess.run([COMMAND, "train", "--iterations", "50", "--model-out", model], check=True, capture_output=True,
                   timeout=120)
    folder = tmp_path / "images"
    folder.mkdir()
    for i in range(25):
        Image.new("L", (8 + i, 8), 10 * i).save(folder / f"{i:02d}.png")
    (folder / "bad.png").write_bytes(b"not an image")
    expected = subprocess.run([COMMAND, "predict", model, folder], capture_output=True, text=True, timeout=120)
    assert expected.returncode == 1 and expected.stdout.count("\n") == 25
    raw = on_a_terminal([COMMAND, "predict", model, folder], status=1)
    assert b"images:" in raw and b"%|" in raw    # the bar was drawn
    wanted = expected.stdout.splitlines() + expected.stderr.splitlines()
    assert sorted(screen_lines(raw)) == sorted(wanted)


def test_training_s_cost_lines_on_a_terminal_hold_no_piece_of_the_bar():
    raw = on_a_terminal([COMMAND, "train", "--iterations", "600", "--learning-rate", "0.5"])
    assert b"training:" in raw and b"cost 0." in raw
    piped = subprocess.run([COMMAND, "train", "--iterations", "600", "--learning-rate", "0.5"], capture_output=True,
                           text=True, timeout=120)
    assert screen_lines(raw) == piped.stdout.splitlines()


def test_quiet_on_a_terminal_draws_no_bar():
    raw = on_a_terminal([COMMAND, "train", "--iterations", "300", "--learning-rate", "0.5", "--quiet"])
    assert b"training" not in raw and b"\r" not in raw.replace(b"\r\n", b"\n")
    assert [line.split(":")[0] for line in screen_lines(raw)] == ["train accuracy", "test accuracy"]


# ------------------------------------------------------------------------------ tab completion


def completions(line: str) -> list[str]:
    """What bash offers for `line` once the README's activation line has run: the completion
    function it defines is called as bash calls it, and COMPREPLY is printed."""
    words = line.split(" ")
    script = f"""
        eval "$(register-python-argcomplete single-neuron)"
        COMP_LINE={line!r}; COMP_POINT=${{#COMP_LINE}}; COMP_WORDS=({' '.join(repr(w) for w in words)})
        COMP_CWORD={len(words) - 1}; COMP_TYPE=9
        _python_argcomplete single-neuron {words[-1]!r} {words[-2]!r}
        printf '%s\\n' "${{COMPREPLY[@]}}"
    """
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return [c.strip() for c in proc.stdout.splitlines() if c.strip()]


def test_completion_offers_the_commands_and_their_options():
    assert {"train", "predict", "evaluate", "compare-rates", "data", "explain", "bench"} <= set(completions("single-neuron "))
    assert completions("single-neuron tr") == ["train"]
    assert [c for c in completions("single-neuron data ") if not c.startswith("-")] == ["export", "import"]
    assert completions("single-neuron train --validation-f") == ["--validation-fraction"]


def test_the_readme_shows_the_completion_line():
    assert 'eval "$(register-python-argcomplete single-neuron)"' in (ROOT / "README.md").read_text()


# ------------------------------------------------------------------------------------- PyTorch


def test_the_torch_hint_never_leads_a_machine_without_a_gpu_to_a_cuda_build():
    from single_neuron.engines.devices import torch_install_hint

    extra = "pip install 'single-neuron[torch]'"
    assert torch_install_hint("linux", nvidia_gpu=True) == extra
    assert torch_install_hint("darwin", nvidia_gpu=False) == extra     # there plain PyTorch is the CPU build
    cpu = torch_install_hint("linux", nvidia_gpu=False)
    assert "CPU-only build" in cpu and "--device cpu" in cpu and extra not in cpu
    readme = (ROOT / "README.md").read_text()
    assert extra in readme and "CPU-only build" in readme
    assert '"torch>=' in (ROOT / "pyproject.toml").read_text()    # the extra the README and the hint name


def test_the_command_line_gives_the_hint_that_fits_this_machine(run_cli):
    try:
        import torch  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("PyTorch is installed here, so there is no hint to give")
    from single_neuron.engines.devices import torch_install_hint

    code, out, err = run_cli("train", "--engine", "torch")
    assert code == 1 and out == ""
    assert err == f"single-neuron: error: --engine torch: PyTorch is not installed; {torch_install_hint()}\n"
