"""Figure files: a matplotlib figure written as PNG, SVG or PDF, chosen by the file's name.

name.png, name.svg or name.pdf; any other name is refused before any work is done
(`check_figure_path`). Files are written atomically, and SVG and PDF without dates
or random ids, so the same figure gives the same bytes.
"""

from __future__ import annotations

import io
from pathlib import Path

from ..errors import OutputError
from .atomic import atomic_write, check_writable

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def figure_format(path) -> str:
    """"png", "svg" or "pdf", from the file name; anything else is an OutputError."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(f"{path}: figures are written as PNG, SVG or PDF; end the file name in "
                          f".png, .svg or .pdf (got {suffix or 'no extension'})")
    return FORMATS[suffix]


def check_figure_path(path, what: str = "plot") -> None:
    """Refuse, before any work, a figure path of an unknown format or where nothing can be written."""
    figure_format(path)
    check_writable(path, what)


def render(fig, fmt: str = "png", dpi: int = 100) -> bytes:
    """The figure's bytes in `fmt` ("png", "svg" or "pdf")."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[fmt]
    with matplotlib.rc_context({"svg.hashsalt": "single-neuron"}):
        fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight", metadata=metadata)
    return buf.getvalue()


def save(fig, path, dpi: int = 100) -> None:
    """Write the figure to `path`, in the format its name asks for, atomically."""
    data = render(fig, figure_format(path), dpi)
    with atomic_write(path) as f:
        f.write(data)
