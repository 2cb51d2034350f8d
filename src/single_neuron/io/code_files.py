"""A learner's code from a file: a `.py` script or a Jupyter notebook (`.ipynb`), read as cells of text.

The file is untrusted like every input: it is opened as a regular file only, without blocking,
within SINGLE_NEURON_MAX_CODE_BYTES (see `limits`), decoded as Python source is (UTF-8 unless a
coding line or a byte-order mark says otherwise), and a notebook's JSON is parsed within
`jsontext`'s limits. A notebook is read as its JSON says, without Jupyter: format 4 (`cells`)
and format 3 (`worksheets`), each code cell's source as a string or a list of lines. Nothing
here runs the code; see `teaching.learner_code` for what is run, and `app.check` for how.
"""

from __future__ import annotations

import io
import os
import tokenize

from ..errors import LearnerCodeError
from . import limits
from .files import read_regular
from .jsontext import parse_json
from .text import shown

KINDS = {".py": "a Python file", ".ipynb": "a Jupyter notebook"}


def read_cells(path) -> list[tuple[str, str]]:
    """The code of the learner's file at `path` as (label, source) pairs in the file's order: one
    pair labelled with the file's name for a .py file; one per code cell, labelled "cell N" (N
    counts every cell from the top, text cells included), for a notebook."""
    suffix = os.path.splitext(os.fsdecode(path))[1].lower()
    if suffix not in KINDS:
        raise LearnerCodeError(f"{shown(path)}: expected a .py file or a .ipynb notebook, got a "
                               f"{shown(suffix) + ' file' if suffix else 'file with no extension'}")
    data = read_regular(path, LearnerCodeError, KINDS[suffix], limits.limit("code_bytes"), limits.hint("code_bytes"))
    if suffix == ".py":
        return [(os.path.basename(os.fsdecode(path)), _python_text(data, path))]
    return _notebook_cells(data, path)


def _python_text(data: bytes, path) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding).lstrip("\ufeff")
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        raise LearnerCodeError(f"{shown(path)}: not Python source text ({shown(str(exc))[:120]})") from None


def _notebook_cells(data: bytes, path) -> list[tuple[str, str]]:
    where = shown(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LearnerCodeError(f"{where}: not a notebook: its text is not UTF-8 (byte {exc.start})") from None
    notebook = parse_json(text, where, LearnerCodeError, "damaged notebook", max_chars=len(text),
                          max_depth=limits.NOTEBOOK_DEPTH)
    out = []
    for number, cell in enumerate(_cells(notebook, where), start=1):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            out.append((f"cell {number}", _source(cell, where, number)))
    return out


def _cells(notebook, where: str) -> list:
    """The cells of a notebook of format 4 (`cells`) or 3 (`worksheets`, each with its `cells`)."""
    if not isinstance(notebook, dict):
        raise LearnerCodeError(f"{where}: not a notebook: its JSON is not an object")
    if isinstance(notebook.get("cells"), list):
        return notebook["cells"]
    if isinstance(notebook.get("worksheets"), list):
        return [c for sheet in notebook["worksheets"] if isinstance(sheet, dict)
                for c in (sheet.get("cells") if isinstance(sheet.get("cells"), list) else [])]
    raise LearnerCodeError(f"{where}: not a notebook: no 'cells' list (nbformat 4) or 'worksheets' (nbformat 3)")


def _source(cell: dict, where: str, number: int) -> str:
    """A code cell's text: `source` (format 4) or `input` (format 3), a string or a list of lines."""
    source = cell.get("source", cell.get("input", ""))
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        source = "".join(source)
    if not isinstance(source, str):
        raise LearnerCodeError(f"{where}: cell {number}: its source is not text")
    return source
