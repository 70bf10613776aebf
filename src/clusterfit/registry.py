"""Profile specifications: the one registry shared by the CSV tables and the physics.

Each profile class (a ``profile_class`` cell in ``mass.csv``, ``light.csv`` or ``point.csv``) has a
frozen :class:`ProfileSpec`: its family, its parameters in PyAutoLens constructor order (names,
units, defaults, which are (y, x) or ``_0``/``_1`` tuples), a reference, and, once
:mod:`clusterfit.physics` is imported, the pure functions that evaluate it.

Names and parameter lists are PyAutoLens's (``autogalaxy`` 2026.10.26.1, read from its constructors),
so a folder written by either package loads in the other.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Family",
    "FAMILIES",
    "ParameterSpec",
    "ProfileSpec",
    "register",
    "get_spec",
    "all_specs",
    "specs_for_family",
    "nearest",
]

Family = Literal["mass", "light", "point"]
FAMILIES: tuple[Family, ...] = ("mass", "light", "point")

Value = float | tuple[float, float]


@dataclass(frozen=True)
class ParameterSpec:
    """One constructor parameter of a profile class.

    ``default`` is PyAutoLens's constructor default. ``bookkeeping`` marks parameters that PyAutoLens
    carries on the profile (``redshift_object``, ``redshift_source``, ``H0``, ``Om0``) but that our
    physics derives from the planes and the cosmology; they are read, checked and written back.
    ``scaling_exponent`` is the default exponent of the luminosity scaling relation (DESIGN.md §3)
    for parameters that scale with luminosity, else ``None``.
    """

    name: str
    unit: str
    default: Value
    description: str
    is_tuple: bool = False
    bookkeeping: bool = False
    scaling_exponent: float | None = None

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
    """A profile class: family, ordered parameters, reference, and (later) its physics functions."""

    name: str
    family: Family
    parameters: tuple[ParameterSpec, ...]
    description: str
    reference: str = ""
    functions: dict[str, Callable] = field(default_factory=dict, compare=False, hash=False)

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


_REGISTRY: dict[str, ProfileSpec] = {}


def register(spec: ProfileSpec) -> ProfileSpec:
    """Add a spec; a second spec with the same name is refused."""
    if spec.name in _REGISTRY:
        raise ValueError(f"profile class {spec.name!r} is already registered")
    _REGISTRY[spec.name] = spec
    return spec


def nearest(name: str, choices: list[str] | tuple[str, ...] | Iterator[str], n: int = 3,
            cutoff: float = 0.5) -> list[str]:
    """The closest valid names to ``name`` (case-insensitive), best first."""
    choices = list(choices)
    lower = {c.lower(): c for c in choices}
    hits = difflib.get_close_matches(name.lower(), list(lower), n=n, cutoff=cutoff)
    return [lower[h] for h in hits]


def get_spec(name: str, family: Family | None = None) -> ProfileSpec:
    """The spec of ``name``; an unknown name raises ``KeyError`` naming the nearest valid ones."""
    spec = _REGISTRY.get(name)
    if spec is None or (family is not None and spec.family != family):
        valid = [s.name for s in all_specs() if family is None or s.family == family]
        hint = nearest(name, valid)
        where = f" in family {family!r}" if family else ""
        msg = f"unknown profile_class {name!r}{where}"
        if hint:
            msg += f"; did you mean {' or '.join(repr(h) for h in hint)}?"
        msg += f" Valid: {', '.join(valid)}"
        raise KeyError(msg)
    return spec


def all_specs() -> tuple[ProfileSpec, ...]:
    return tuple(_REGISTRY.values())


def specs_for_family(family: Family) -> tuple[ProfileSpec, ...]:
    return tuple(s for s in _REGISTRY.values() if s.family == family)


# --- the classes ----------------------------------------------------------------------------------

def _centre() -> ParameterSpec:
    return ParameterSpec("centre", "arcsec", (0.0, 0.0), "profile centre (y, x)", is_tuple=True)


def _ell_comps() -> ParameterSpec:
    return ParameterSpec(
        "ell_comps",
        "",
        (0.0, 0.0),
        "elliptical components (e1, e2) = ((1-q)/(1+q)) (sin 2φ, cos 2φ), φ from +x counter-clockwise",
        is_tuple=True,
    )


def _bookkeeping(redshift_object: bool = True, cosmology: bool = True) -> tuple[ParameterSpec, ...]:
    out = []
    if redshift_object:
        out += [
            ParameterSpec("redshift_object", "", 0.5, "PyAutoLens bookkeeping: lens redshift", bookkeeping=True),
            ParameterSpec(
                "redshift_source", "", 1.0,
                "PyAutoLens bookkeeping: source redshift folded into its normalisation", bookkeeping=True,
            ),
        ]
    if cosmology:
        out += [
            ParameterSpec("H0", "km/s/Mpc", 67.66, "PyAutoLens bookkeeping: Hubble constant", bookkeeping=True),
            ParameterSpec("Om0", "", 0.30966, "PyAutoLens bookkeeping: matter density", bookkeeping=True),
        ]
    return tuple(out)


_DPIE_REF = "Elíasdóttir et al. 2007 (arXiv:0710.5636); Lenstool profil 81; Kassiola & Kovner 1993"
_SIGMA = ParameterSpec(
    "sigma", "km/s", 200.0,
    "Lenstool fiducial velocity dispersion σ_LT (b0 = 6π σ²/c²; σ0 = √1.5 σ_LT)", scaling_exponent=0.25,
)
_R_CORE = ParameterSpec("r_core", "arcsec", 0.1, "core radius a", scaling_exponent=0.5)
_R_CUT = ParameterSpec("r_cut", "arcsec", 20.0, "cut radius s", scaling_exponent=0.5)

register(ProfileSpec(
    "dPIEMass", "mass",
    (
        _centre(),
        ParameterSpec("ellipticity", "", 0.0, "mass ellipticity e = (a²−b²)/(a²+b²)"),
        ParameterSpec("angle_pos", "deg", 0.0, "major-axis angle, counter-clockwise from +x"),
        _SIGMA, _R_CORE, _R_CUT,
        *_bookkeeping(),
    ),
    "elliptical dual pseudo-isothermal mass distribution, Lenstool parameters", _DPIE_REF,
))
register(ProfileSpec(
    "dPIEMassSph", "mass",
    (_centre(), _SIGMA, _R_CORE, _R_CUT, *_bookkeeping()),
    "spherical dual pseudo-isothermal mass distribution, Lenstool parameters", _DPIE_REF,
))
register(ProfileSpec(
    "Isothermal", "mass",
    (_centre(), _ell_comps(), ParameterSpec("einstein_radius", "arcsec", 1.0, "Einstein radius (intermediate axis)")),
    "singular isothermal ellipsoid", "Kormann et al. 1994; Keeton 2001",
))
register(ProfileSpec(
    "IsothermalSph", "mass",
    (_centre(), ParameterSpec("einstein_radius", "arcsec", 1.0, "Einstein radius")),
    "singular isothermal sphere", "Keeton 2001",
))
register(ProfileSpec(
    "NFWSph", "mass",
    (
        _centre(),
        ParameterSpec("kappa_s", "", 0.05, "characteristic convergence ρ_s r_s / Σ_cr"),
        ParameterSpec("scale_radius", "arcsec", 1.0, "scale radius r_s"),
    ),
    "spherical Navarro-Frenk-White halo", "Wright & Brainerd 2000",
))
register(ProfileSpec(
    "NFW", "mass",
    (
        _centre(), _ell_comps(),
        ParameterSpec("kappa_s", "", 0.05, "characteristic convergence ρ_s r_s / Σ_cr"),
        ParameterSpec("scale_radius", "arcsec", 1.0, "scale radius r_s (major axis)"),
    ),
    "elliptical Navarro-Frenk-White halo, elliptical in the convergence (major-axis radius)",
    "Heyrovský & Karamazov 2024 (A&A 690, A20); Wright & Brainerd 2000",
))
register(ProfileSpec(
    "PowerLaw", "mass",
    (
        _centre(), _ell_comps(),
        ParameterSpec("einstein_radius", "arcsec", 1.0, "Einstein radius (major-axis convention, as PyAutoLens)"),
        ParameterSpec("slope", "", 2.0, "3D density slope γ (ρ ∝ r^−γ, 1 < γ < 3; 2 is isothermal)"),
    ),
    "elliptical power-law mass distribution (EPL)", "Tessore & Metcalf 2015",
))
register(ProfileSpec(
    "MassSheet", "mass",
    (_centre(), ParameterSpec("kappa", "", 0.0, "constant convergence κ of the sheet")),
    "uniform mass sheet (constant convergence)", "Gorenstein, Falco & Shapiro 1988",
))
register(ProfileSpec(
    "NFWMCRLudlowSph", "mass",
    (
        _centre(),
        ParameterSpec("mass_at_200", "Msun", 1e9, "M200 (mass within r200, 200× the critical density)"),
        *_bookkeeping(cosmology=False),
    ),
    "spherical NFW halo from M200, concentration from Ludlow et al. 2016",
    "Ludlow et al. 2016; Wright & Brainerd 2000",
))
register(ProfileSpec(
    "PointMass", "mass",
    (_centre(), ParameterSpec("einstein_radius", "arcsec", 1.0, "Einstein radius")),
    "point mass", "Keeton 2001",
))
register(ProfileSpec(
    "ExternalShear", "mass",
    (
        ParameterSpec("gamma_1", "", 0.0, "shear component γ1 (PyAutoLens convention)"),
        ParameterSpec("gamma_2", "", 0.0, "shear component γ2 (PyAutoLens convention)"),
    ),
    "external shear", "Keeton 2001",
))

_SERSIC_REF = "Sérsic 1968; Graham & Driver 2005"
_INTENSITY = ParameterSpec("intensity", "image units", 0.1, "intensity at the effective radius")
_R_EFF = ParameterSpec("effective_radius", "arcsec", 0.6, "effective (half-light) radius")
_N = ParameterSpec("sersic_index", "", 4.0, "Sérsic index n")

register(ProfileSpec(
    "Sersic", "light", (_centre(), _ell_comps(), _INTENSITY, _R_EFF, _N),
    "elliptical Sérsic light profile", _SERSIC_REF,
))
register(ProfileSpec(
    "SersicSph", "light", (_centre(), _INTENSITY, _R_EFF, _N),
    "spherical Sérsic light profile", _SERSIC_REF,
))
register(ProfileSpec(
    "SersicCore", "light",
    (
        _centre(), _ell_comps(), _R_EFF, _N,
        ParameterSpec("radius_break", "arcsec", 0.025, "break radius of the core"),
        ParameterSpec("intensity", "image units", 0.05, "intensity at the break radius"),
        ParameterSpec("gamma", "", 0.25, "inner power-law slope"),
        ParameterSpec("alpha", "", 3.0, "sharpness of the transition"),
    ),
    "cored Sérsic light profile", "Graham et al. 2003; Trujillo et al. 2004",
))
register(ProfileSpec(
    "Gaussian", "light",
    (_centre(), _ell_comps(), _INTENSITY, ParameterSpec("sigma", "arcsec", 1.0, "Gaussian σ")),
    "elliptical Gaussian light profile",
))
register(ProfileSpec(
    "Point", "point", (_centre(),), "point source at a source-plane position",
))
register(ProfileSpec(
    "PointFlux", "point",
    (_centre(), ParameterSpec("flux", "image units", 0.1, "intrinsic (unlensed) flux")),
    "point source with an intrinsic flux",
))
