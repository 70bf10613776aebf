"""Unit and convention conversions between Lenstool and the tables (pure functions, no file I/O).

- kpc ↔ arcsec: :func:`clusterfit.physics.cosmology.kpc_per_arcsec` (:meth:`.context.Ctx.scale`);
- profil 14 shear (γ, θ) ↔ (γ1, γ2) = γ (cos 2θ, sin 2θ);
- member axes (a, b) → Lenstool's mass ellipticity (a² − b²)/(a² + b²);
- profil 0/1 SIS: Einstein radius b0 = 4π (σ/c)² (Lenstool ``set_dynamics``);
- Lenstool's shear (and profil 14 ``kappa``), SIS and NFW strength hold for D_ls/D_s = 1; the tables'
  ``ExternalShear``, ``MassSheet``, ``IsothermalSph`` and ``NFWSph`` (PyAutoLens's) hold at the model's last plane r: values × D_lr/D_r on import,
  the inverse on export (:func:`scale_to_last_plane`). Where a free source redshift could move that last
  plane, the import holds it with a galaxy of its own (:func:`hold_last_plane`).
"""

from __future__ import annotations

import math
from dataclasses import replace

from ...physics.cosmology import Cosmology
from ...tables import ClusterModel, ProfileRow
from ...tables.rows import REDSHIFT

__all__ = ["shear_from_lenstool", "shear_to_lenstool", "ellipticity_from_axes",
           "sis_einstein_radius", "sis_sigma", "scale_to_last_plane", "hold_last_plane", "LAST_PLANE_CLASSES",
           "LAST_PLANE_GALAXY"]

C_KM_S = 299792.458
ARCSEC_PER_RAD = 648000.0 / math.pi
LAST_PLANE_CLASSES = ("ExternalShear", "IsothermalSph", "NFWSph", "NFW", "NFWEllipticalPotential", "MassSheet")
"""Table classes whose strength is given for the tracer's last plane (PyAutoLens semantics)."""


def shear_from_lenstool(gamma: float, angle_deg: float) -> tuple[float, float]:
    """Lenstool profil 14 (γ, θ) → PyAutoLens (γ1, γ2) = γ (cos 2θ, sin 2θ); θ from +x, CCW."""
    t = math.radians(2.0 * angle_deg)
    return gamma * math.cos(t), gamma * math.sin(t)


def shear_to_lenstool(gamma_1: float, gamma_2: float) -> tuple[float, float]:
    """Inverse of :func:`shear_from_lenstool`: (γ, θ in degrees, in (−90, 90])."""
    return math.hypot(gamma_1, gamma_2), 0.5 * math.degrees(math.atan2(gamma_2, gamma_1))


def ellipticity_from_axes(a: float, b: float) -> float:
    """Lenstool's mass ellipticity (a² − b²)/(a² + b²) from semi-axes a, b."""
    return (a * a - b * b) / (a * a + b * b)


def sis_einstein_radius(sigma_km_s: float) -> float:
    """Lenstool's SIS (profil 0 or 1) b0 = 4π (σ/c)² in arcsec, for D_ls/D_s = 1."""
    return 4.0 * math.pi * (sigma_km_s / C_KM_S) ** 2 * ARCSEC_PER_RAD


def sis_sigma(einstein_radius: float) -> float:
    """Inverse of :func:`sis_einstein_radius` (km/s)."""
    return C_KM_S * math.sqrt(einstein_radius / ARCSEC_PER_RAD / (4.0 * math.pi))


LAST_PLANE_GALAXY = "last_plane"
"""The galaxy :func:`hold_last_plane` adds: a ``Gaussian`` of intensity 0 in ``light.csv``."""


def _row_redshifts(model: ClusterModel, without=frozenset()) -> list[float]:
    """The redshifts of the model's rows (mass, point, light, tiers), leaving out the galaxies ``without``."""
    zs = [r.redshift for r in model.mass + model.point + model.light
          if r.redshift is not None and r.galaxy not in without]
    return zs + [r.redshift for r in model.scaling_relations if r.redshift is not None]


def _last_plane(model: ClusterModel) -> float:
    """The tracer's last plane: the highest redshift of any galaxy (lens, tier, source, light)."""
    return max(_row_redshifts(model) + [im.redshift for im in model.point_images if im.redshift is not None])


def scale_to_last_plane(model: ClusterModel, to_reference: bool) -> ClusterModel:
    """Lenstool's γ and κ (profil 14), SIS b0 and NFW κ_s (profil 12) are scaled by D_ls/D_s for each source (they are the values
    for D_ls/D_s = 1); the tables' ``ExternalShear`` and ``IsothermalSph`` give them at the tracer's last
    plane r. So value_table = value_Lenstool · D_lr/D_r, with r the model's highest redshift (lens or
    source), and the inverse on export (``to_reference=False``). Priors on those cells scale alike."""
    rows = [r for r in model.mass if r.profile_class in LAST_PLANE_CLASSES]
    if not rows:
        return model
    cosmo = Cosmology.of(model.cosmology)
    z_r = _last_plane(model)
    factor = {}
    for r in rows:
        ratio = float(cosmo.distance_ratio_matrix([r.redshift, z_r])[0, 1]) if z_r > r.redshift else 1.0
        factor[r.key] = ratio if to_reference else 1.0 / ratio
    scaled = {"gamma_1", "gamma_2", "einstein_radius", "kappa_s", "kappa"}
    mass = tuple(replace(r, values={k: (v * factor[r.key] if v is not None and k in scaled else v)
                                    for k, v in r.values.items()})
                 if r.key in factor else r for r in model.mass)
    priors = tuple(replace(p, lower=None if p.lower is None else p.lower * factor[(p.galaxy, p.attr_name)],
                           upper=None if p.upper is None else p.upper * factor[(p.galaxy, p.attr_name)])
                   if (p.galaxy, p.attr_name) in factor and p.parameter in scaled else p
                   for p in model.priors)
    return model.replace(mass=mass, priors=priors)


def hold_last_plane(model: ClusterModel, notes: list[str]) -> ClusterModel:
    """Add a galaxy at a fixed redshift behind every free source redshift, when the model has a class
    normalised to the last plane (:data:`LAST_PLANE_CLASSES`) and a free redshift could reach beyond
    the last fixed plane (a fit refuses that: the normalisation would move with θ). Lenstool gives those
    strengths for D_ls/D_s = 1, a plane that never moves; the tables need a fixed plane, so the import adds
    :data:`LAST_PLANE_GALAXY`, a ``Gaussian`` of intensity 0 at the highest such reach (it deflects and
    emits nothing; PyAutoLens's readers place their last plane there too), and notes why in ``notes``."""
    free = {p.galaxy: p for p in model.priors if p.parameter == REDSHIFT and p.prior != "Fixed"}
    if not free or not any(r.profile_class in LAST_PLANE_CLASSES for r in model.mass):
        return model
    reach = {g: max(model.galaxies[g].redshift or 0.0, p.upper if p.upper is not None else 0.0)
             for g, p in free.items() if g in model.galaxies}
    z_fixed = max(_row_redshifts(model, without=free.keys()), default=0.0)
    beyond = {g: z for g, z in reach.items() if z > z_fixed}
    if not beyond:
        return model
    z_hold = max(beyond.values())
    name = LAST_PLANE_GALAXY
    while name in model.galaxies:
        name += "_"
    row = ProfileRow("light", name, "plane", "Gaussian", {"y": 0.0, "x": 0.0, "ell_comps_0": 0.0,
                     "ell_comps_1": 0.0, "intensity": 0.0, "sigma": 1.0}, z_hold)
    classes = sorted({r.profile_class for r in model.mass if r.profile_class in LAST_PLANE_CLASSES})
    worst = max(beyond, key=beyond.get)
    notes.append(f"{free[worst].source}: the free redshift of {worst!r} may reach z = {z_hold:g}, behind the "
                 f"last fixed plane (z = {z_fixed:g}); the tables give {', '.join(classes)} (Lenstool's: for "
                 "D_ls/D_s = 1) at the last plane, which must not move with a fitted redshift, so "
                 f"light.csv gains galaxy {name!r} (a Gaussian of intensity 0, no mass) at z = {z_hold:g} to hold "
                 "it there")
    return model.replace(light=model.light + (row,))
