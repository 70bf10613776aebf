"""Mass profiles as pure JAX functions of a group's stacked parameters (float64).

Every class of the ``mass`` family has four functions with one signature, collected in
:data:`MASS_FUNCTIONS` (class name → {"deflections_yx", "convergence", "potential", "hessian"}):

- ``deflections_yx(params, y, x) -> Deflections`` (arcsec, D_ls/D_s = 1 for σ/M200 normalisations),
- ``convergence(params, y, x) -> array``, ``potential(params, y, x) -> array`` (arcsec²),
- ``hessian(params, y, x) -> Hessian``.

``params`` maps the class's CSV column names (bookkeeping columns excluded) to arrays of shape (n,):
one entry per profile of the group. ``y``, ``x`` have shape (m,); outputs have shape (m,), summed over
the group. ``NFWMCRLudlowSph`` params must also hold ``kappa_s`` and ``scale_radius`` from
:func:`~clusterfit.physics.mass.ludlow16.nfw_ludlow_kappa_s_scale_radius` (build time).
"""

from __future__ import annotations

from collections.abc import Callable

from clusterfit.physics.mass import (
    dpie,
    isothermal,
    mass_sheet,
    nfw,
    nfw_elliptical,
    nfw_potential_ell,
    point_mass,
    power_law,
    shear,
)
from clusterfit.physics.mass.ludlow16 import nfw_ludlow_kappa_s_scale_radius

__all__ = ["MASS_FUNCTIONS", "nfw_ludlow_kappa_s_scale_radius"]


def _fns(module, prefix: str) -> dict[str, Callable]:
    return {
        key: getattr(module, f"{prefix}_{key}")
        for key in ("deflections_yx", "convergence", "potential", "hessian")
    }


MASS_FUNCTIONS: dict[str, dict[str, Callable]] = {
    "dPIEMass": _fns(dpie, "dpie"),
    "dPIEMassSph": _fns(dpie, "dpie_sph"),
    "Isothermal": _fns(isothermal, "isothermal"),
    "IsothermalSph": _fns(isothermal, "isothermal_sph"),
    "NFWSph": _fns(nfw, "nfw"),
    "NFW": _fns(nfw_elliptical, "nfw_ell"),
    "NFWEllipticalPotential": _fns(nfw_potential_ell, "nfw_pot_ell"),
    "PowerLaw": _fns(power_law, "power_law"),
    "MassSheet": _fns(mass_sheet, "mass_sheet"),
    "NFWMCRLudlowSph": _fns(nfw, "nfw"),
    "PointMass": _fns(point_mass, "point_mass"),
    "ExternalShear": _fns(shear, "shear"),
}
