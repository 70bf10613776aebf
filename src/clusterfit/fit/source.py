"""The source position that a system's observed images imply (docs/cli.md).

Every observed image θ_i traced to its source plane gives β_i = β(θ_i); with A_i = ∂β/∂θ at the image,
A_i⁻¹(β − β_i) is, to first order, the image-plane offset of the image of a source at β. The source
that minimises the linearised image-plane χ² Σ_i |A_i⁻¹(β − β_i)|²/σ_i² is

    β̂ = (Σ M_i)⁻¹ Σ M_i β_i,   M_i = A_i⁻ᵀ A_i⁻¹ / σ_i²,

Lenstool's barycentre weighted by each image's source-plane precision (Keeton 2001, §4). The
likelihood (:mod:`.likelihood`, jitted) and the evaluation (:mod:`.evaluate`, numpy arrays in, numpy
arrays out) both solve it here; numpy inputs stay in numpy (no JAX operation to compile for each new
number of images). Angles in arcsec, (y, x) order.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["Precision", "source_precision", "OptimalSource", "optimal_source"]


class Precision(NamedTuple):
    """Per image, the symmetric 2×2 source-plane precision M = A⁻ᵀ A⁻¹/σ² (arcsec⁻²) and A⁻¹
    (``iyy = (A⁻¹)_yy``, ``iyx = (A⁻¹)_yx``, …)."""

    m_yy: jnp.ndarray
    m_yx: jnp.ndarray
    m_xx: jnp.ndarray
    iyy: jnp.ndarray
    iyx: jnp.ndarray
    ixy: jnp.ndarray
    ixx: jnp.ndarray


def source_precision(a_yy, a_yx, a_xy, a_xx, sigma) -> Precision:
    """M_i = A_i⁻ᵀ A_i⁻¹/σ_i² from the Jacobian A = ∂β/∂θ (components as :class:`Tracer.jacobian`:
    ``a_yx = ∂β_y/∂θ_x``) and the position noise σ (arcsec)."""
    det = a_yy * a_xx - a_yx * a_xy
    iyy, iyx, ixy, ixx = a_xx / det, -a_yx / det, -a_xy / det, a_yy / det
    inv_var = 1.0 / sigma**2 if isinstance(sigma, np.ndarray | jax.Array) else 1.0 / jnp.asarray(sigma) ** 2
    return Precision((iyy**2 + ixy**2) * inv_var, (iyy * iyx + ixy * ixx) * inv_var,
                     (iyx**2 + ixx**2) * inv_var, iyy, iyx, ixy, ixx)


class OptimalSource(NamedTuple):
    """Per system: β̂ (``y``, ``x``, arcsec) and S = Σ_i M_i (``s_yy``, ``s_yx``, ``s_xx``), the curvature
    of the linearised χ² in β (it grows by δᵀ S δ when the source moves from β̂ by δ)."""

    y: jnp.ndarray
    x: jnp.ndarray
    s_yy: jnp.ndarray
    s_yx: jnp.ndarray
    s_xx: jnp.ndarray


def optimal_source(by, bx, precision: Precision, system, n_systems: int) -> OptimalSource:
    """β̂ = (Σ M_i)⁻¹ Σ M_i β_i per system (module docstring); ``by, bx`` the traced observed images,
    ``system[i]`` the system (0 … ``n_systems`` − 1) of image i. Jit-able; with numpy arrays only (the
    evaluation's), numpy throughout."""
    def seg(v):
        if isinstance(v, np.ndarray):
            return np.bincount(system, weights=v, minlength=n_systems)
        return jax.ops.segment_sum(v, system, num_segments=n_systems)

    m = precision
    s_yy, s_yx, s_xx = seg(m.m_yy), seg(m.m_yx), seg(m.m_xx)
    b_y, b_x = seg(m.m_yy * by + m.m_yx * bx), seg(m.m_yx * by + m.m_xx * bx)
    det = s_yy * s_xx - s_yx**2
    return OptimalSource((s_xx * b_y - s_yx * b_x) / det, (-s_yx * b_y + s_yy * b_x) / det, s_yy, s_yx, s_xx)
