"""Named multi-output results, so component order cannot drift (y before x everywhere)."""

from typing import NamedTuple

import jax.numpy as jnp

__all__ = ["Deflections", "Hessian", "Params"]

# A group's parameters: CSV column name (``y``, ``x``, ``sigma``, ``ell_comps_0`` ...) → array of
# shape (n,), one entry per profile of the group. Bookkeeping columns are not included.
Params = dict[str, jnp.ndarray]


class Deflections(NamedTuple):
    """Deflection angles in arcsec, (y, x)."""

    y: jnp.ndarray
    x: jnp.ndarray


class Hessian(NamedTuple):
    """Second derivatives of the lensing potential: ψ_yy, ψ_yx, ψ_xx (dimensionless)."""

    yy: jnp.ndarray
    yx: jnp.ndarray
    xx: jnp.ndarray
