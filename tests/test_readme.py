"""The README as a tested document: every shell command and Python example in it runs as written,
in order, and prints what the README shows.

The rules, for whoever adds to the README (new blocks are tested without touching this file):

- ```sh blocks hold commands: a line starting with "$ " is a command (a line ending in "\\" goes on
  with the next), and the lines after it, up to the next command, are what it prints, stdout and
  stderr together as a terminal shows them (a terminal that is not one: no progress bar). A
  command shown with nothing after it must print nothing. Every command must exit with status 0.
- ```python blocks are doctests (">>> " and "... " lines, then the output); all of them share one
  interpreter, in the README's order, so a later block uses the names of an earlier one.
- In shown output, "..." stands for text left out: any text, within a line or across lines. Use it
  for timings and for anything else that changes from run to run.
- Blocks of any other language (```text, ```console is not one of them) are not run.
- A block right after a line `<!-- not run: REASON -->` is not run; `make test` (the suite itself,
  which holds this test) is never run.
- Everything runs in a temporary copy of the repository (its tracked files, with .venv linked to
  this checkout's), with the course's cat files at ../shared/data/cats beside it, as in a fresh
  clone. Each command and each block gets at most COMMAND_SECONDS.
- What the commands write goes into build/ (ignored by git, removed by `make clean`): after the
  last block, the copy holds nothing new elsewhere, and nothing new at all after `make clean`.
"""

from __future__ import annotations

import doctest
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT

README = ROOT / "README.md"
COMMAND_SECONDS = 240
NEVER_RUN = {"make test"}


@dataclass
class Block:
    language: str
    text: str
    line: int                     # where it starts in README.md
    not_run: str | None           # the reason given in a <!-- not run: ... --> comment


def blocks(markdown: str) -> list[Block]:
    found = []
    for match in re.finditer(r"^```(\w*)\n(.*?)^```$", markdown, flags=re.M | re.S):
        before = markdown[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        reason = re.fullmatch(r"<!-- not run: (.+) -->", before.strip())
        found.append(Block(match.group(1), match.group(2), markdown[:match.start()].count("\n") + 1,
                           reason.group(1) if reason else None))
    return found


@dataclass
class Command:
    text: str
    shown: str                    # the output the README shows
    line: int


def commands(block: Block) -> list[Command]:
    out: list[Command] = []
    lines = block.text.splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            raise AssertionError(f"README.md:{block.line + 1 + i}: output before any command in an sh block")
        start, text = i, lines[i][2:]
        while text.endswith("\\"):
            i += 1
            text = text + "\n" + lines[i]
        i += 1
        shown = []
        while i < len(lines) and not lines[i].startswith("$ "):
            shown.append(lines[i])
            i += 1
        out.append(Command(text, "\n".join(shown), block.line + 1 + start))
    return out


def matches(shown: str, printed: str) -> bool:
    """The README's output rule: lines compared without trailing blanks, "..." for any text."""
    def tidy(text):
        return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()) + "\n"
    if not shown.strip():
        return printed == ""
    return doctest.OutputChecker().check_output(tidy(shown), tidy(printed), doctest.ELLIPSIS)


# -------------------------------------------------------------------------------- the fresh clone


@pytest.fixture(scope="module")
def clone(tmp_path_factory, cats):
    """A copy of the repository's tracked files in a temporary folder, .venv linked, the cat files
    at ../shared/data/cats."""
    stamp = ROOT / ".venv" / ".installed"
    if not stamp.is_file():
        message = "the README's commands use .venv: run `make venv` first"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    top = tmp_path_factory.mktemp("fresh")
    (top / "shared" / "data").mkdir(parents=True)
    (top / "shared" / "data" / "cats").symlink_to(cats)
    repo = top / "single-neuron"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    (repo / ".venv").symlink_to(ROOT / ".venv")
    # make's rule for .venv compares its stamp with pyproject.toml: the copy must not look newer.
    stamp_time = stamp.stat().st_mtime
    os.utime(repo / "pyproject.toml", (stamp_time - 1, stamp_time - 1))
    return repo


def shell_environment(repo: Path) -> dict:
    """This process's environment as a new terminal would have it: no .venv on the PATH (the README
    says how to put it there), no make of ours around it, output unbuffered so that stdout and stderr
    interleave as on a terminal."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MAKE", "MFLAGS", "VIRTUAL_ENV", "PYTEST", "_ARGCOMPLETE", "COMP_"))}
    venv_bin = str(ROOT / ".venv" / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and Path(p).resolve() != Path(venv_bin).resolve())
    env["PYTHONUNBUFFERED"] = "1"
    env["HOME"] = str(repo.parent)
    return env


class Shell:
    """Commands run one at a time by bash, each starting where the last ended: same folder, same
    exported variables."""

    def __init__(self, repo: Path):
        self.repo = repo
        self.state = repo.parent / ".readme-shell-state"
        self.state.write_text("")
        self.where = repo.parent / ".readme-shell-cwd"
        self.where.write_text(str(repo))
        self.env = shell_environment(repo)

    def run(self, command: str) -> tuple[int, str]:
        script = (f'source {self.state}\ncd "$(cat {self.where})"\n{command}\nstatus=$?\n'
                  f"export -p | grep -v '^declare -[a-z]*r' > {self.state}\npwd > {self.where}\nexit $status\n")
        proc = subprocess.run(["bash", "-c", script], cwd=self.repo, env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=COMMAND_SECONDS)
        return proc.returncode, proc.stdout


PYTHON_RUNNER = textwrap.dedent('''
    import doctest, json, sys
    globs = {"__name__": "__main__"}
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    parser = doctest.DocTestParser()
    for request in sys.stdin:
        block = json.loads(request)
        test = parser.get_doctest(block["text"], {}, "README.md", "README.md", block["line"])
        test.globs = globs                     # one namespace for every block
        report = []
        runner.run(test, out=report.append, clear_globs=False)
        print(json.dumps("".join(report)), flush=True)
''')


class Python:
    """One interpreter for every python block, in the repository's folder."""

    def __init__(self, repo: Path):
        self.proc = subprocess.Popen([sys.executable, "-c", PYTHON_RUNNER], cwd=repo, env=shell_environment(repo),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, block: Block) -> str:
        self.proc.stdin.write(json.dumps({"text": block.text, "line": block.line}) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self.proc.stdout.close()


# ----------------------------------------------------------------------------------------- tests


def test_the_readme_starts_with_make_demo_and_make_test():
    first = blocks(README.read_text())[0]
    assert first.language == "sh"
    assert [c.text.split("#")[0].strip() for c in commands(first)][:2] == ["make demo", "make test"]


def test_the_rules_find_blocks_and_compare_outputs():
    sample = "a\n<!-- not run: it serves forever -->\n```sh\n$ echo hi\nhi\n$ true\n```\n```python\n>>> 1\n1\n```\n"
    found = blocks(sample)
    assert [(b.language, b.not_run) for b in found] == [("sh", "it serves forever"), ("python", None)]
    assert [(c.text, c.shown) for c in commands(found[0])] == [("echo hi", "hi"), ("true", "")]
    assert matches("took ... s\ndone", "took 1.25 s\ndone\n") and matches("start\n...\nend", "start\na\nb\nend")
    assert not matches("", "something") and not matches("70.0 %", "72.0 %")


def files_of(repo: Path) -> set[str]:
    """Every file in the copy, relative, .venv (a link to this checkout's) left out."""
    found = set()
    for folder, subfolders, names in os.walk(repo):
        subfolders[:] = [d for d in subfolders if not (folder == str(repo) and d == ".venv")]
        found.update(str(Path(folder, name).relative_to(repo)) for name in names)
    return found


def test_every_command_and_example_in_the_readme_runs_as_shown(clone):
    failures, ran, not_run = [], 0, []
    before = files_of(clone)
    shell, python = Shell(clone), Python(clone)
    try:
        for block in blocks(README.read_text()):
            if block.not_run:
                not_run.append(f"README.md:{block.line}: {block.not_run}")
                continue
            if block.language == "python":
                report = python.run(block)
                ran += 1
                if report:
                    failures.append(report)
            elif block.language == "sh":
                for command in commands(block):
                    if command.text.split("#")[0].strip() in NEVER_RUN:
                        continue
                    status, printed = shell.run(command.text)
                    ran += 1
                    if status != 0 or not matches(command.shown, printed):
                        failures.append(f"README.md:{command.line}: $ {command.text}\n(exit status {status})\n"
                                        f"--- the README shows:\n{command.shown}\n--- it printed:\n{printed}")
    finally:
        python.close()
    assert ran > 20
    assert not failures, "\n\n".join(failures) + (f"\n\nnot run: {not_run}" if not_run else "")
    # Following the README leaves the checkout as it was but for build/, which git ignores and make clean removes.
    written = files_of(clone) - before
    assert written and all(name.startswith("build/") for name in written), sorted(written - {
        name for name in written if name.startswith("build/")})
    assert "build/" in (clone / ".gitignore").read_text().split()
    assert shell.run("make clean") == (0, "rm -rf build .pytest_cache .hypothesis\n")
    assert files_of(clone) == before
