"""JSON from an untrusted file or request, parsed within limits, in time linear in its length.

Python's json module has none of its own: text nested 100,000 deep exhausts the
recursion limit, a number of 5,000 digits is converted (or refused by Python's own
digit limit with a ValueError), NaN and Infinity are accepted, and 1e400 becomes
inf. `parse_json` bounds the text and its nesting before parsing, refuses long
numbers before converting them, and refuses the constants and numbers that are not
finite. Every refusal is one exception of the caller's class.
"""

from __future__ import annotations

import json
import math
import re

from ..sizes import NUMBER_CHARS
from . import limits
from .text import shown

# A string (to its closing quote, or to the end of the text if it has none) or a bracket. Each
# string is taken in one pass that cannot fail and so never backtracks: the old pattern, which
# had to find a closing quote, tried again from every quote of an unterminated string, and took
# 10 to 16 s on 64 KiB of escaped quotes.
_TOKEN = re.compile(r'"(?:[^"\\]+|\\.)*"?|[\[\]{}]', re.DOTALL)


class _Refused(Exception):
    """A value the limits refuse, raised from inside json's hooks."""


def parse_json(text: str, where: str, error, what: str = "damaged metadata", finite: bool = True,
               max_chars: int = limits.METADATA_CHARS, max_depth: int = limits.JSON_DEPTH):
    """The JSON value in `text`; raises `error` naming `where` (and `what` was wrong) for text of
    more than `max_chars` characters or nested deeper than `max_depth` (by default the limits of a
    model's metadata). Every step is linear in the text's length: the limits are checked before
    the text is parsed, and nothing is tried twice. With `finite` false, a number beyond the floats
    (1e400) reads as inf, for a caller that checks each field's range itself."""
    if len(text) > max_chars:
        raise error(f"{where}: {what}: {len(text):,} characters, at most {max_chars:,} are expected")
    deepest = nesting(text)
    if deepest > max_depth:
        raise error(f"{where}: {what}: nested {deepest} deep, at most {max_depth} is expected")
    try:
        return json.loads(text, parse_constant=_constant, parse_int=_integer,
                          parse_float=_float if finite else _short_float, object_pairs_hook=_object)
    except _Refused as exc:
        raise error(f"{where}: {what}: {exc}") from None
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        raise error(f"{where}: {what} (not JSON: {shown(str(exc))[:200]})") from None


def nesting(text: str) -> int:
    """How deep the lists and objects of `text` nest, counted outside its strings, in one linear pass."""
    depth = deepest = 0
    for token in _TOKEN.findall(text):
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


def _constant(name: str):
    raise _Refused(f"{name} is not a number")


def _integer(digits: str) -> int:
    if len(digits) > NUMBER_CHARS:
        raise _Refused(f"a number of {len(digits):,} digits")
    return int(digits)


def _short_float(text: str) -> float:
    if len(text) > NUMBER_CHARS:
        raise _Refused(f"a number of {len(text):,} characters")
    return float(text)


def _float(text: str) -> float:
    value = _short_float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text} is beyond the range of floats")
    return value


def _object(pairs: list) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise _Refused(f"the key '{shown(twice)[:60]}' appears twice in one object")
    return result
