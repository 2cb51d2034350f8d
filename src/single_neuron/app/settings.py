"""How to train: a run's settings, made from the one table of them (`setting_table`), checked.

One place decides what a run may ask for, for the command line, Python and the page alike:
each value is checked by its setting's check, and a combination that no route can honour is
refused with the reason (each setting's `needs`), never dropped or misreported.
"""

from __future__ import annotations

from dataclasses import asdict, field, make_dataclass, replace

from ..errors import InputValueError
from .setting_table import TABLE, check_values, refusal

DEFAULT_PATIENCE = 5


class _Run:
    """What a run's settings know beyond their values (the fields come from the table)."""

    def checked(self):
        """These settings with every value checked and normalised; raises InputValueError for a
        value out of range or a combination no route can honour."""
        s = replace(self, **check_values(asdict(self)))
        reason = refusal(s)
        if reason is not None:
            raise InputValueError(reason)
        if s.validation_fraction is not None and s.tol is None:
            s = replace(s, tol=0.0)            # early stopping on the held-out cost: any fall counts
        return s

    @property
    def seed_or_default(self) -> int:
        return 0 if self.seed is None else self.seed

    @property
    def patience(self) -> int:
        return DEFAULT_PATIENCE if self.n_iter_no_change is None else self.n_iter_no_change

    def recorded(self) -> dict:
        """The settings that were set, for a report and a model file's metadata (a flag that is off,
        like a setting left at None, is not: the course's run records what it always did)."""
        return {k: v for k, v in asdict(self).items() if v is not None and v is not False}


Settings = make_dataclass(
    "Settings", [(s.name, s.type, field(default=s.default)) for s in TABLE], bases=(_Run,), frozen=True)
Settings.__module__ = __name__
Settings.__doc__ = """A run's settings, one field per entry of `setting_table.TABLE`; the defaults are the
course's (learning rate 0.005, 2,000 iterations, a cost recorded every 100) on NumPy in memory, full batch."""
