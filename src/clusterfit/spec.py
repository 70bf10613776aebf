"""What a profile class is: its parameters (names, units, defaults, domains) and their constraints.

Frozen declarations only; :mod:`clusterfit.registry` declares the classes and looks them up, and
:mod:`clusterfit.physics.functions` holds their physics functions.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Family", "FAMILIES", "Domain", "ANY", "NON_NEGATIVE", "POSITIVE", "Constraint", "ColumnSpec",
           "ParameterSpec", "ProfileSpec", "nearest"]

Family = Literal["mass", "light", "point"]
FAMILIES: tuple[Family, ...] = ("mass", "light", "point")

Value = float | tuple[float, float]


@dataclass(frozen=True)
class Domain:
    """The values a parameter may take: ``lower``/``upper`` (None: unbounded), each closed or open, and
    an optional ``period`` (an angle: values that differ by a multiple of it are the same profile).

    ``why`` says in a few words what breaks outside it (shown in messages)."""

    lower: float | None = None
    upper: float | None = None
    lower_open: bool = False
    upper_open: bool = False
    period: float | None = None
    why: str = ""

    def contains(self, value: float) -> bool:
        if self.lower is not None and (value < self.lower or (self.lower_open and value == self.lower)):
            return False
        return not (self.upper is not None
                    and (value > self.upper or (self.upper_open and value == self.upper)))

    def describe(self, name: str = "x") -> str:
        """``0 ≤ x < 1``, ``x > 0``, ``any x`` (``period 180``)."""
        lo = "" if self.lower is None else f"{self.lower:g} {'<' if self.lower_open else '≤'} "
        hi = "" if self.upper is None else f" {'<' if self.upper_open else '≤'} {self.upper:g}"
        if not lo and not hi:
            text = f"any {name}"
        elif not lo:
            text = f"{name}{hi}"
        elif not hi:
            text = f"{name} {'>' if self.lower_open else '≥'} {self.lower:g}"
        else:
            text = f"{lo}{name}{hi}"
        if self.period is not None:
            text += f" (period {self.period:g})"
        return text


ANY = Domain()
NON_NEGATIVE = Domain(0.0)
POSITIVE = Domain(0.0, lower_open=True)


@dataclass(frozen=True)
class Constraint:
    """A condition joining parameters of one row, e.g. ``r_core < r_cut``: ``test`` gets the columns'
    values in ``columns`` order and returns True when they are consistent."""

    columns: tuple[str, ...]
    test: Callable[..., bool] = field(compare=False)
    text: str
    hint: str


@dataclass(frozen=True)
class ColumnSpec:
    """A numeric column of a non-profile table (``point_datasets.csv``, ``cosmology.csv``, ...)."""

    name: str
    unit: str
    domain: Domain


@dataclass(frozen=True)
class ParameterSpec:
    """One constructor parameter of a profile class.

    ``default`` is PyAutoLens's constructor default. ``bookkeeping`` marks parameters that PyAutoLens
    carries on the profile (``redshift_object``, ``redshift_source``, ``H0``, ``Om0``) but that our
    physics derives from the planes and the cosmology; they are read, checked and written back.
    ``scaling_exponent`` is the default exponent of the luminosity scaling relation (docs/csv_format.md, scaling_relations.csv)
    for parameters that scale with luminosity, else ``None``.
    """

    name: str
    unit: str
    default: Value
    description: str
    is_tuple: bool = False
    bookkeeping: bool = False
    scaling_exponent: float | None = None
    domain: Domain = ANY

    @property
    def columns(self) -> tuple[str, ...]:
        """CSV columns: ``centre`` → ``(y, x)``; other tuples ``p`` → ``(p_0, p_1)``; else ``(p,)``."""
        if not self.is_tuple:
            return (self.name,)
        if self.name == "centre":
            return ("y", "x")
        return (f"{self.name}_0", f"{self.name}_1")


@dataclass(frozen=True)
class ProfileSpec:
    """A profile class: family, ordered parameters, reference and the constraints joining its parameters.

    Its physics functions are in :data:`clusterfit.physics.functions.PROFILE_FUNCTIONS`, keyed by ``name``."""

    name: str
    family: Family
    parameters: tuple[ParameterSpec, ...]
    description: str
    reference: str = ""
    constraints: tuple[Constraint, ...] = ()

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @property
    def physical_parameters(self) -> tuple[ParameterSpec, ...]:
        """Parameters that enter the physics (bookkeeping ones excluded)."""
        return tuple(p for p in self.parameters if not p.bookkeeping)

    @property
    def columns(self) -> tuple[str, ...]:
        """All CSV columns this class takes, in order."""
        return tuple(c for p in self.parameters for c in p.columns)

    def parameter(self, name: str) -> ParameterSpec:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(
            f"{self.name} has no parameter {name!r}; it takes {', '.join(self.parameter_names)}"
        )

    def column_to_parameter(self) -> dict[str, tuple[ParameterSpec, int | None]]:
        """Map each CSV column to (parameter, tuple index or None)."""
        out: dict[str, tuple[ParameterSpec, int | None]] = {}
        for p in self.parameters:
            if p.is_tuple:
                for i, c in enumerate(p.columns):
                    out[c] = (p, i)
            else:
                out[p.name] = (p, None)
        return out


def nearest(name: str, choices: list[str] | tuple[str, ...] | Iterator[str], n: int = 3,
            cutoff: float = 0.5) -> list[str]:
    """The closest valid names to ``name`` (case-insensitive), best first."""
    choices = list(choices)
    lower = {c.lower(): c for c in choices}
    hits = difflib.get_close_matches(name.lower(), list(lower), n=n, cutoff=cutoff)
    return [lower[h] for h in hits]
