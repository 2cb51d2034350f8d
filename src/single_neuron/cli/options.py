"""Types of option values, checked as argparse parses them: finite, in range, or a usage error.

Each raises argparse.ArgumentTypeError with what was expected, so the message reads
"argument --learning-rate: expected a number > 0, got -1" and the exit status is 2,
before any work starts.
"""

from __future__ import annotations

import argparse
import math


def _number(text: str) -> float:
    from ..sizes import real_number

    try:
        value = real_number(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text}")
    return value


def number(text: str) -> float:
    """Any finite number."""
    return _number(text)


def positive(text: str) -> float:
    """A finite number > 0."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def probability(text: str) -> float:
    """A finite number from 0 to 1."""
    value = _number(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text}")
    return value


def whole(minimum: int = 0, maximum: int = 2**63 - 1):
    """A whole number in [minimum, maximum], written in ASCII digits (no fractions, no 1e30, no '٣')."""

    def parse(text: str) -> int:
        from ..sizes import whole_number

        value = whole_number(text)                  # a ValueError: argparse's "invalid int value: 'text'"
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {value}")
        if value > maximum:
            raise argparse.ArgumentTypeError(f"expected a whole number <= {maximum}, got {value}")
        return value

    parse.__name__ = "int"
    return parse


def size(text: str) -> int:
    """A size in bytes written as 256MB, 1.5GiB or 500000."""
    from ..sizes import parse_size

    return parse_size(text, "", argparse.ArgumentTypeError)


def label(text: str) -> int:
    """A label: 0 or 1."""
    if text.strip() not in ("0", "1"):
        raise argparse.ArgumentTypeError(f"expected 0 or 1, got {text}")
    return int(text)


def of_setting(setting, name: str | None = None):
    """The type of the option of a run's setting (see `app.setting_table`): the text read as the
    setting's kind, then the setting's own check, so the command line refuses what the library
    refuses, in the same words ("argument --learning-rate: expected a number > 0, got -1")."""
    read = {"number": _number, "whole": _whole_or_number, "rate": _number_or_text}.get(setting.read, str)

    def parse(text: str):
        from ..errors import SingleNeuronError

        value = read(text)
        try:
            return setting.check(name or setting.name, value)
        except SingleNeuronError as exc:
            reason = str(exc).partition(": ")[2]
            if setting.read == "choice":
                reason = f"invalid choice: {text!r} ({reason})"
            raise argparse.ArgumentTypeError(reason) from None

    parse.__name__ = "int" if setting.read == "whole" else setting.name
    return parse


def _number_or_text(text: str):
    """The number `text` writes, or the text itself where it writes none ("auto"; any other word
    reaches the setting's check, which says what it takes)."""
    from ..sizes import real_number

    try:
        real_number(text)
    except ValueError:
        return text
    return _number(text)


def _whole_or_number(text: str):
    """The number `text` writes, whole if it is written so ("2.5" reaches the setting's check, which
    says why it is refused); a ValueError (argparse's "invalid int value") for anything else."""
    from ..sizes import real_number, whole_number

    try:
        return whole_number(text)
    except ValueError:
        return real_number(text)


def setting_arguments(cmd, setting, default=None, flag: str | None = None, **overrides) -> None:
    """Declare the option of a run's setting on `cmd`, all but `overrides` from the setting itself."""
    value = setting.default if default is None else default
    help_text = setting.help.format(default=value)
    if setting.read == "flag":                   # an option without a value: given, it is True
        cmd.add_argument(flag or setting.flag, dest=overrides.pop("dest", setting.name), action="store_true",
                         default=value, help=help_text, **overrides)
        return
    kind = None if setting.read == "free" else of_setting(setting)
    cmd.add_argument(flag or setting.flag, dest=overrides.pop("dest", setting.name), type=kind,
                     default=value, metavar=setting.metavar, choices=setting.choices, help=help_text, **overrides)
