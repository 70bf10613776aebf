"""Attach the light functions to the profile registry under the key ``"intensity"``.

Importing this module is idempotent: it sets ``get_spec(name).functions["intensity"]`` for
``Sersic``, ``SersicSph``, ``SersicCore`` and ``Gaussian``. Each function has the signature
``intensity(params, y, x) -> jnp.ndarray`` of shape (m,), summed over the group.
"""

from __future__ import annotations

from collections.abc import Callable

from clusterfit.physics.light import (
    gaussian_intensity,
    sersic_core_intensity,
    sersic_intensity,
    sersic_sph_intensity,
)
from clusterfit.registry import get_spec

__all__ = ["LIGHT_FUNCTIONS", "attach"]

LIGHT_FUNCTIONS: dict[str, Callable] = {
    "Sersic": sersic_intensity,
    "SersicSph": sersic_sph_intensity,
    "SersicCore": sersic_core_intensity,
    "Gaussian": gaussian_intensity,
}


def attach() -> None:
    """Register each light function on its spec (``functions["intensity"]``)."""
    for name, fn in LIGHT_FUNCTIONS.items():
        get_spec(name, "light").functions["intensity"] = fn


attach()
