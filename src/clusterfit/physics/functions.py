"""The physics functions of every profile class, declared in one table (no registration on import).

:data:`PROFILE_FUNCTIONS` maps a ``profile_class`` of :mod:`clusterfit.registry` to its functions:

- mass classes: ``"deflections_yx"``, ``"convergence"``, ``"potential"``, ``"hessian"``
  (:mod:`clusterfit.physics.mass`, :data:`~clusterfit.physics.mass.MASS_FUNCTIONS`);
- light classes: ``"intensity"`` — ``intensity(params, y, x) -> (m,)``, summed over the group
  (:mod:`clusterfit.physics.light`).

Point classes have none (a point source is a position). ``tests/physics/test_functions.py`` checks that
this table and the registry name the same classes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from .light import gaussian_intensity, sersic_core_intensity, sersic_intensity, sersic_sph_intensity
from .mass import MASS_FUNCTIONS

__all__ = ["PROFILE_FUNCTIONS", "LIGHT_FUNCTIONS", "MASS_FUNCTIONS", "profile_function"]

LIGHT_FUNCTIONS: dict[str, dict[str, Callable]] = {
    "Sersic": {"intensity": sersic_intensity},
    "SersicSph": {"intensity": sersic_sph_intensity},
    "SersicCore": {"intensity": sersic_core_intensity},
    "Gaussian": {"intensity": gaussian_intensity},
}

PROFILE_FUNCTIONS: Mapping[str, Mapping[str, Callable]] = MappingProxyType(
    {name: MappingProxyType(fns) for name, fns in (*MASS_FUNCTIONS.items(), *LIGHT_FUNCTIONS.items())})


def profile_function(profile_class: str, key: str) -> Callable:
    """The function ``key`` (``"deflections_yx"``, ``"intensity"``, ...) of ``profile_class``; a class or
    key without one raises ``KeyError`` saying what there is."""
    fns = PROFILE_FUNCTIONS.get(profile_class)
    if fns is None:
        raise KeyError(f"{profile_class!r} has no physics functions; classes with them: "
                       f"{', '.join(PROFILE_FUNCTIONS)}")
    if key not in fns:
        raise KeyError(f"{profile_class} has no {key!r} function; it has {', '.join(fns)}")
    return fns[key]
