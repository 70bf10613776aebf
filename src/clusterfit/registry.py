"""Profile specifications: the one registry shared by the CSV tables and the physics.

Each profile class (a ``profile_class`` cell in ``mass.csv``, ``light.csv`` or ``point.csv``) is declared
here once, as a frozen :class:`~clusterfit.spec.ProfileSpec`: its family, its parameters in PyAutoLens
constructor order (names, units, defaults, which are (y, x) or ``_0``/``_1`` tuples) and a reference.
Their physics functions are declared in :mod:`clusterfit.physics.functions` (which checks that both
name the same classes).

Names and parameter lists are PyAutoLens's (``autogalaxy`` 2026.10.26.1, read from its constructors),
so a folder written by either package loads in the other. One exception: ``NFWEllipticalPotential``
(Lenstool's profil 12), which PyAutoLens does not have (:data:`clusterfit.interop.autolens.NOT_IN_AUTOLENS`).
"""

from __future__ import annotations

from .column_domains import (
    EXPONENT_DOMAIN,
    H0_DOMAIN,
    MAG_DOMAIN,
    OM0_DOMAIN,
    REDSHIFT_DOMAIN,
    TABLE_COLUMNS,
    column_domain,
)
from .spec import (
    ANY,
    FAMILIES,
    NON_NEGATIVE,
    POSITIVE,
    ColumnSpec,
    Constraint,
    Domain,
    Family,
    ParameterSpec,
    ProfileSpec,
    nearest,
)

__all__ = [
    "Domain",
    "ANY",
    "Constraint",
    "ColumnSpec",
    "TABLE_COLUMNS",
    "REDSHIFT_DOMAIN",
    "EXPONENT_DOMAIN",
    "MAG_DOMAIN",
    "column_domain",
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

_REGISTRY: dict[str, ProfileSpec] = {}


def register(spec: ProfileSpec) -> ProfileSpec:
    """Add a spec; a second spec with the same name is refused."""
    if spec.name in _REGISTRY:
        raise ValueError(f"profile class {spec.name!r} is already registered")
    _REGISTRY[spec.name] = spec
    return spec


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
        is_tuple=True, domain=Domain(-1.0, 1.0, lower_open=True, upper_open=True,
                                     why="|(e1, e2)| = (1 − q)/(1 + q) < 1"),
    )


_ELL_COMPS_NORM = Constraint(
    ("ell_comps_0", "ell_comps_1"), lambda e1, e2: e1 * e1 + e2 * e2 < 1.0,
    "√(ell_comps_0² + ell_comps_1²) must be < 1 (axis ratio q > 0)",
    "(e1, e2) = ((1 − q)/(1 + q)) (sin 2φ, cos 2φ): write the components of an axis ratio 0 < q ≤ 1")


def _bookkeeping(redshift_object: bool = True, cosmology: bool = True) -> tuple[ParameterSpec, ...]:
    out = []
    if redshift_object:
        out += [
            ParameterSpec("redshift_object", "", 0.5, "PyAutoLens bookkeeping: lens redshift", bookkeeping=True,
                          domain=REDSHIFT_DOMAIN),
            ParameterSpec(
                "redshift_source", "", 1.0,
                "PyAutoLens bookkeeping: source redshift folded into its normalisation", bookkeeping=True,
                domain=REDSHIFT_DOMAIN,
            ),
        ]
    if cosmology:
        out += [
            ParameterSpec("H0", "km/s/Mpc", 67.66, "PyAutoLens bookkeeping: Hubble constant", bookkeeping=True,
                          domain=H0_DOMAIN),
            ParameterSpec("Om0", "", 0.30966, "PyAutoLens bookkeeping: matter density", bookkeeping=True,
                          domain=OM0_DOMAIN),
        ]
    return tuple(out)


_DPIE_REF = "Elíasdóttir et al. 2007 (arXiv:0710.5636); Lenstool profil 81; Kassiola & Kovner 1993"
_SIGMA = ParameterSpec(
    "sigma", "km/s", 200.0,
    "Lenstool fiducial velocity dispersion σ_LT (b0 = 6π σ²/c²; σ0 = √1.5 σ_LT)", scaling_exponent=0.25,
    domain=Domain(0.0, why="a velocity dispersion is not negative"),
)
_R_CORE = ParameterSpec("r_core", "arcsec", 0.1, "core radius a", scaling_exponent=0.5,
                        domain=Domain(0.0, why="a radius is not negative"))
_R_CUT = ParameterSpec("r_cut", "arcsec", 20.0, "cut radius s", scaling_exponent=0.5,
                       domain=Domain(0.0, why="a radius is not negative (and each row needs r_cut > r_core)"))
_CORE_INSIDE_CUT = Constraint(
    ("r_core", "r_cut"), lambda a, s: a < s, "r_core must be smaller than r_cut",
    "the dPIE normalisation has r_cut/(r_cut − r_core): write r_cut > r_core (Lenstool: cut_radius > "
    "core_radius)")
_ELLIPTICITY = ParameterSpec(
    "ellipticity", "", 0.0, "mass ellipticity e = (a²−b²)/(a²+b²)",
    domain=Domain(0.0, 1.0, upper_open=True, why="e = (a² − b²)/(a² + b²) of an ellipse is in [0, 1)"))
_ANGLE_POS = ParameterSpec("angle_pos", "deg", 0.0, "major-axis angle, counter-clockwise from +x",
                           domain=Domain(period=180.0))
_EINSTEIN = Domain(0.0, why="an Einstein radius is not negative")

register(ProfileSpec(
    "dPIEMass", "mass",
    (
        _centre(), _ELLIPTICITY, _ANGLE_POS, _SIGMA, _R_CORE, _R_CUT,
        *_bookkeeping(),
    ),
    "elliptical dual pseudo-isothermal mass distribution, Lenstool parameters", _DPIE_REF,
    constraints=(_CORE_INSIDE_CUT,),
))
register(ProfileSpec(
    "dPIEMassSph", "mass",
    (_centre(), _SIGMA, _R_CORE, _R_CUT, *_bookkeeping()),
    "spherical dual pseudo-isothermal mass distribution, Lenstool parameters", _DPIE_REF,
    constraints=(_CORE_INSIDE_CUT,),
))
register(ProfileSpec(
    "Isothermal", "mass",
    (_centre(), _ell_comps(),
     ParameterSpec("einstein_radius", "arcsec", 1.0, "Einstein radius (intermediate axis)", domain=_EINSTEIN)),
    "singular isothermal ellipsoid", "Kormann et al. 1994; Keeton 2001", constraints=(_ELL_COMPS_NORM,),
))
register(ProfileSpec(
    "IsothermalSph", "mass",
    (_centre(), ParameterSpec("einstein_radius", "arcsec", 1.0, "Einstein radius", domain=_EINSTEIN)),
    "singular isothermal sphere", "Keeton 2001",
))
register(ProfileSpec(
    "NFWSph", "mass",
    (
        _centre(),
        ParameterSpec("kappa_s", "", 0.05, "characteristic convergence ρ_s r_s / Σ_cr", domain=NON_NEGATIVE),
        ParameterSpec("scale_radius", "arcsec", 1.0, "scale radius r_s", domain=POSITIVE),
    ),
    "spherical Navarro-Frenk-White halo", "Wright & Brainerd 2000",
))
register(ProfileSpec(
    "NFW", "mass",
    (
        _centre(), _ell_comps(),
        ParameterSpec("kappa_s", "", 0.05, "characteristic convergence ρ_s r_s / Σ_cr", domain=NON_NEGATIVE),
        ParameterSpec("scale_radius", "arcsec", 1.0, "scale radius r_s (major axis)", domain=POSITIVE),
    ),
    "elliptical Navarro-Frenk-White halo, elliptical in the convergence (major-axis radius)",
    "Heyrovský & Karamazov 2024 (A&A 690, A20); Wright & Brainerd 2000", constraints=(_ELL_COMPS_NORM,),
))
register(ProfileSpec(
    "NFWEllipticalPotential", "mass",
    (
        _centre(),
        ParameterSpec("ellipticity", "", 0.0, "Lenstool profil 12 ellipticite ε of the potential: "
                      "ψ = ψ_NFW(√((1 − ε) x'² + (1 + ε) y'²))",
                      domain=Domain(0.0, 1.0, upper_open=True, why="(1 ∓ ε) must stay > 0; a negative "
                                    "ε is ε > 0 with angle_pos + 90")),
        ParameterSpec("angle_pos", "deg", 0.0, "major axis of the iso-potentials, counter-clockwise from +x",
                      domain=Domain(period=180.0)),
        ParameterSpec("kappa_s", "", 0.05, "characteristic convergence ρ_s r_s / Σ_cr", domain=NON_NEGATIVE),
        ParameterSpec("scale_radius", "arcsec", 1.0, "scale radius r_s", domain=POSITIVE),
    ),
    "NFW halo elliptical in the potential (pseudo-elliptical), Lenstool profil 12; not a PyAutoLens class",
    "Golse & Kneib 2002 (A&A 390, 821); Lenstool e_grad.c case 12; lenstronomy NFW_ELLIPSE_POTENTIAL",
))
register(ProfileSpec(
    "PowerLaw", "mass",
    (
        _centre(), _ell_comps(),
        ParameterSpec("einstein_radius", "arcsec", 1.0, "Einstein radius (major-axis convention, as PyAutoLens)",
                      domain=_EINSTEIN),
        ParameterSpec("slope", "", 2.0, "3D density slope γ (ρ ∝ r^−γ; 2 is isothermal)",
                      domain=Domain(1.0, 3.0, lower_open=True, upper_open=True,
                                    why="κ ∝ R^(1−γ) has a finite mass inside R and the Tessore & Metcalf "
                                    "series converges only for 1 < γ < 3")),
    ),
    "elliptical power-law mass distribution (EPL)", "Tessore & Metcalf 2015", constraints=(_ELL_COMPS_NORM,),
))
register(ProfileSpec(
    "MassSheet", "mass",
    (_centre(), ParameterSpec("kappa", "", 0.0, "constant convergence κ of the sheet",
                              domain=Domain(-1.0, 1.0, lower_open=True, upper_open=True,
                                            why="a sheet of |κ| ≥ 1 makes the lens mapping singular or "
                                            "inverts every image"))),
    "uniform mass sheet (constant convergence)", "Gorenstein, Falco & Shapiro 1988",
))
register(ProfileSpec(
    "NFWMCRLudlowSph", "mass",
    (
        _centre(),
        ParameterSpec("mass_at_200", "Msun", 1e9, "M200 (mass within r200, 200× the critical density)",
                      domain=Domain(1.0, 1e17, why="a halo mass in solar masses, at most 1e17 (the Ludlow "
                                    "concentration is calibrated well below)")),
        *_bookkeeping(cosmology=False),
    ),
    "spherical NFW halo from M200, concentration from Ludlow et al. 2016",
    "Ludlow et al. 2016; Wright & Brainerd 2000",
))
register(ProfileSpec(
    "PointMass", "mass",
    (_centre(), ParameterSpec("einstein_radius", "arcsec", 1.0, "Einstein radius", domain=_EINSTEIN)),
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
_INTENSITY = ParameterSpec("intensity", "image units", 0.1, "intensity at the effective radius",
                           domain=NON_NEGATIVE)
_R_EFF = ParameterSpec("effective_radius", "arcsec", 0.6, "effective (half-light) radius", domain=POSITIVE)
_N = ParameterSpec("sersic_index", "", 4.0, "Sérsic index n",
                   domain=Domain(0.2, 10.0, why="the b_n expansion holds for 0.2 ≤ n ≤ 10"))

register(ProfileSpec(
    "Sersic", "light", (_centre(), _ell_comps(), _INTENSITY, _R_EFF, _N),
    "elliptical Sérsic light profile", _SERSIC_REF, constraints=(_ELL_COMPS_NORM,),
))
register(ProfileSpec(
    "SersicSph", "light", (_centre(), _INTENSITY, _R_EFF, _N),
    "spherical Sérsic light profile", _SERSIC_REF,
))
register(ProfileSpec(
    "SersicCore", "light",
    (
        _centre(), _ell_comps(), _R_EFF, _N,
        ParameterSpec("radius_break", "arcsec", 0.025, "break radius of the core", domain=POSITIVE),
        ParameterSpec("intensity", "image units", 0.05, "intensity at the break radius", domain=NON_NEGATIVE),
        ParameterSpec("gamma", "", 0.25, "inner power-law slope"),
        ParameterSpec("alpha", "", 3.0, "sharpness of the transition", domain=POSITIVE),
    ),
    "cored Sérsic light profile", "Graham et al. 2003; Trujillo et al. 2004", constraints=(_ELL_COMPS_NORM,),
))
register(ProfileSpec(
    "Gaussian", "light",
    (_centre(), _ell_comps(), _INTENSITY, ParameterSpec("sigma", "arcsec", 1.0, "Gaussian σ", domain=POSITIVE)),
    "elliptical Gaussian light profile", constraints=(_ELL_COMPS_NORM,),
))
register(ProfileSpec(
    "Point", "point", (_centre(),), "point source at a source-plane position",
))
register(ProfileSpec(
    "PointFlux", "point",
    (_centre(), ParameterSpec("flux", "image units", 0.1, "intrinsic (unlensed) flux", domain=NON_NEGATIVE)),
    "point source with an intrinsic flux",
))
