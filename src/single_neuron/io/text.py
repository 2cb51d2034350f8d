"""Text from outside (file names, class names, metadata) made safe to show on one line.

A message must stay one line and a terminal must show what is there: a file name or
a class name taken from a hostile file may hold line breaks, escape sequences or
bidirectional overrides. `shown` escapes them; `check_class_name` refuses them in
names that every prediction prints.
"""

from __future__ import annotations

import os

from . import limits

# Characters that would break a one-line message or fool a terminal: line breaks and
# other controls, separators, and the bidirectional overrides that reorder text.
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_SHOWN_CHARS = 300


def _unsafe(ch: str) -> bool:
    # Everything Python would not print as it is (controls, format characters such as the
    # bidirectional overrides, separators other than the space, unpaired surrogates).
    return not ch.isprintable() or ch in _BIDI


def shown(value) -> str:
    """`value` (a path, or text taken from a file) as one printable line.

    Control characters, separators, unpaired surrogates (undecodable bytes of a
    file name) and bidirectional overrides are written as escapes, and very long
    text is shortened in the middle.
    """
    text = os.fsdecode(value) if isinstance(value, (bytes, os.PathLike)) else str(value)
    if any(_unsafe(ch) for ch in text):
        text = "".join(ch.encode("unicode_escape", "backslashreplace").decode("ascii") if _unsafe(ch) else ch
                       for ch in text)
    if len(text) > _SHOWN_CHARS:
        text = text[:200] + "..." + text[-80:]
    return text


def unsafe_character(text: str) -> str | None:
    """The first character of `text` that `shown` would escape, as an escape, or None."""
    for ch in text:
        if _unsafe(ch):
            return ch.encode("unicode_escape", "backslashreplace").decode("ascii")
    return None


def check_class_name(name: str, where: str, error) -> str:
    """A class name is shown on every prediction: 1 to CLASS_NAME_CHARS characters, none that would
    break the line or fool a terminal."""
    if not 1 <= len(name) <= limits.CLASS_NAME_CHARS:
        raise error(f"{where}: a class name must have 1 to {limits.CLASS_NAME_CHARS} characters, "
                    f"got {len(name)}")
    bad = unsafe_character(name)
    if bad is not None:
        raise error(f"{where}: refused, the class name '{shown(name)}' holds the control character {bad}")
    return name


def check_class_names(names, where: str, error) -> tuple[str, str]:
    """The names of label 0 and label 1, each checked by `check_class_name`, and different: classes
    are matched by name, so two classes of one name would make labels meaningless."""
    first, second = (check_class_name(name, where, error) for name in names)
    if first == second:
        raise error(f"{where}: both classes are named '{shown(first)}'; two different names are needed")
    return first, second
