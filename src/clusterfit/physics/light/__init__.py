"""Light profiles: pure functions ``intensity(params, y, x) -> (m,)`` summed over a group.

Conventions are PyAutoGalaxy's (``autogalaxy.profiles.light.standard``) for the classes of the same name.
"""

from clusterfit.physics.light.gaussian import gaussian_intensity
from clusterfit.physics.light.sersic import (
    sersic_constant,
    sersic_core_intensity,
    sersic_intensity,
    sersic_sph_intensity,
)

__all__ = [
    "gaussian_intensity",
    "sersic_constant",
    "sersic_core_intensity",
    "sersic_intensity",
    "sersic_sph_intensity",
]
