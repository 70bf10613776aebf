"""Typed, frozen rows of every table; each knows the file and line it came from."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..registry import Family, ProfileSpec, get_spec

__all__ = [
    "Source",
    "ProfileRow",
    "PointImage",
    "PointDataset",
    "ScalingGalaxy",
    "ScalingRelation",
    "PriorRow",
    "REDSHIFT",
]

REDSHIFT = "redshift"
"""The redshift column of every table, and the ``attr_name``/table of a free source redshift."""


@dataclass(frozen=True)
class Source:
    """Where a row came from: file name and 1-based line (header = 1). ``line`` is None if built in code."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class ProfileRow:
    """One row of ``mass.csv``, ``light.csv`` or ``point.csv``.

    ``values`` maps CSV column names to floats (``None``: empty cell, the parameter must be free in
    ``priors.csv``). Parameter access by name: ``row.sigma``, ``row.centre`` → ``(y, x)``.
    """

    family: Family
    galaxy: str
    attr_name: str
    profile_class: str
    values: dict[str, float | None]
    redshift: float | None = None
    source: Source = field(default=Source("<python>"), compare=False)

    @property
    def spec(self) -> ProfileSpec:
        return get_spec(self.profile_class, self.family)

    def parameter(self, name: str) -> float | tuple[float | None, float | None] | None:
        """A parameter's value; tuples (``centre``, ``ell_comps``) as ``(v0, v1)``."""
        p = self.spec.parameter(name)
        if p.is_tuple:
            return tuple(self.values.get(c) for c in p.columns)  # type: ignore[return-value]
        return self.values.get(name, p.default if p.bookkeeping else None)

    def __getattr__(self, name: str):
        if name.startswith("_") or name in ("family", "galaxy", "attr_name", "profile_class",
                                            "values", "redshift", "source"):
            raise AttributeError(name)
        try:
            return self.parameter(name)
        except KeyError as exc:
            raise AttributeError(str(exc)) from None

    @property
    def key(self) -> tuple[str, str]:
        return (self.galaxy, self.attr_name)

    def __repr__(self) -> str:
        parts = []
        for p in self.spec.parameters:
            if p.bookkeeping and not any(c in self.values for c in p.columns):
                continue
            v = self.parameter(p.name)
            parts.append(f"{p.name}={_short(v)}")
        return f"{self.profile_class}({', '.join(parts)})  [{self.source}]"


def _short(v) -> str:
    if v is None:
        return "free"
    if isinstance(v, tuple):
        return "(" + ", ".join(_short(c) for c in v) + ")"
    return f"{v:.6g}"


@dataclass(frozen=True)
class PointImage:
    """One observed image: a row of ``point_datasets.csv``. Positions in arcsec (y, x)."""

    name: str
    y: float
    x: float
    positions_noise: float
    flux: float | None = None
    flux_noise: float | None = None
    time_delay: float | None = None
    time_delay_noise: float | None = None
    redshift: float | None = None
    source: Source = field(default=Source("<python>"), compare=False)


@dataclass(frozen=True)
class PointDataset:
    """All images of one source (rows sharing ``name``), in file order."""

    name: str
    images: tuple[PointImage, ...]

    @property
    def redshift(self) -> float | None:
        return self.images[0].redshift

    @property
    def positions(self) -> tuple[tuple[float, float], ...]:
        return tuple((im.y, im.x) for im in self.images)

    @property
    def positions_noise(self) -> tuple[float, ...]:
        return tuple(im.positions_noise for im in self.images)

    @property
    def fluxes(self) -> tuple[float, ...] | None:
        f = tuple(im.flux for im in self.images)
        return None if any(v is None for v in f) else f  # type: ignore[return-value]

    @property
    def time_delays(self) -> tuple[float, ...] | None:
        t = tuple(im.time_delay for im in self.images)
        return None if any(v is None for v in t) else t  # type: ignore[return-value]

    def __repr__(self) -> str:
        z = "" if self.redshift is None else f", z={self.redshift:g}"
        return f"PointDataset({self.name!r}, {len(self.images)} images{z})  [{self.images[0].source}]"


@dataclass(frozen=True)
class ScalingGalaxy:
    """A cluster member: a row of ``scaling_galaxies.csv``.

    ``extra`` holds every further column (``tier``, ``mag``, ``id``, per-member parameters such as
    ``ellipticity``), numbers as floats, text as str.
    """

    y: float
    x: float
    luminosity: float
    redshift: float | None = None
    extra: dict[str, float | str | None] = field(default_factory=dict)
    source: Source = field(default=Source("<python>"), compare=False)

    @property
    def tier(self) -> str | None:
        t = self.extra.get("tier")
        return None if t is None else str(t)


@dataclass(frozen=True)
class ScalingRelation:
    """A scaling tier: a row of ``scaling_relations.csv`` (docs/csv_format.md, scaling_relations.csv).

    ``values`` holds, by column name: ``<p>_ref`` and ``<p>_exponent`` for scaled parameters,
    ``<p>`` for parameters shared by all members, ``mag_ref`` when luminosities come from magnitudes.
    """

    tier: str
    profile_class: str
    luminosity_ref: float
    values: dict[str, float | None]
    redshift: float | None = None
    source: Source = field(default=Source("<python>"), compare=False)

    @property
    def spec(self) -> ProfileSpec:
        return get_spec(self.profile_class, "mass")


@dataclass(frozen=True)
class PriorRow:
    """A row of ``priors.csv``: which parameter(s) become free and with what prior (docs/csv_format.md, priors.csv)."""

    galaxy: str
    attr_name: str
    parameter: str
    prior: str
    lower: float | None = None
    upper: float | None = None
    mean: float | str | None = None
    sigma: float | None = None
    source: Source = field(default=Source("<python>"), compare=False)

    def describe(self) -> str:
        if self.prior == "Fixed":
            return "Fixed"
        if self.prior in ("Uniform", "LogUniform"):
            return f"{self.prior}({self.lower:g}, {self.upper:g})"
        mean = self.mean if isinstance(self.mean, str) else f"{self.mean:g}"
        text = f"Gaussian({mean}, {self.sigma:g})"
        if self.lower is not None or self.upper is not None:
            text += f" in [{'' if self.lower is None else f'{self.lower:g}'}, "
            text += f"{'' if self.upper is None else f'{self.upper:g}'}]"
        return text

