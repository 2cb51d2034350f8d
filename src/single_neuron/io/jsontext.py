"""JSON from an untrusted file, parsed within limits.

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

from . import limits
from .text import shown

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class _Refused(Exception):
    """A value the limits refuse, raised from inside json's hooks."""


def parse_json(text: str, where: str, error, what: str = "metadata", max_chars: int = limits.METADATA_CHARS,
               max_depth: int = limits.JSON_DEPTH):
    """The JSON value in `text`; raises `error` naming `where` for text of more than `max_chars`
    characters or nested deeper than `max_depth` (by default the limits of a model's metadata)."""
    if len(text) > max_chars:
        raise error(f"{where}: damaged {what}: {len(text):,} characters, at most {max_chars:,} are expected")
    deepest = nesting(text)
    if deepest > max_depth:
        raise error(f"{where}: damaged {what}: nested {deepest} deep, at most {max_depth} is expected")
    try:
        return json.loads(text, parse_constant=_constant, parse_int=_integer, parse_float=_float,
                          object_pairs_hook=_object)
    except _Refused as exc:
        raise error(f"{where}: damaged {what}: {exc}") from None
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        raise error(f"{where}: damaged {what} (not JSON: {shown(str(exc))[:200]})") from None


def nesting(text: str) -> int:
    """How deep the lists and objects of `text` nest, counted outside its strings."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub('""', text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _constant(name: str):
    raise _Refused(f"{name} is not a number")


def _integer(digits: str) -> int:
    if len(digits) > limits.NUMBER_CHARS:
        raise _Refused(f"a number of {len(digits):,} digits")
    return int(digits)


def _float(text: str) -> float:
    if len(text) > limits.NUMBER_CHARS:
        raise _Refused(f"a number of {len(text):,} characters")
    value = float(text)
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
