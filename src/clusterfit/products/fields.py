"""Lensing fields of a composed model at any source redshift, on any set of positions.

For a source redshift ``z`` behind every lens plane, the tracer's rays go to its last plane and are
rescaled to ``z`` (``z_source``, :mod:`clusterfit.physics.tracer`), so no plane is added and the
"reference" groups keep their meaning. From the Jacobian A = ∂β/∂θ in (y, x) order::

    κ = 1 − (A_yy + A_xx)/2,   γ1 = (A_yy − A_xx)/2,   γ2 = −(A_xy + A_yx)/2,   μ = 1/det A,

i.e. A = [[1 − κ − γ1, −γ2], [−γ2, 1 − κ + γ1]] in (x, y) order, γ1 and γ2 measured from the +x (West)
axis as in PyAutoLens; α = θ − β (arcsec). With one lens plane, the lensing potential ψ (arcsec²) and
the fields normalised to D_ls/D_s = 1 (``*_norm``: κ, γ divided by D_ls/D_s, as the Hubble Frontier
Fields maps) are defined too; with several lens planes they are not (A is not symmetric; the
rotation is left out of γ).

Evaluation is jitted once per model and source redshift (the model owns the kernel:
:mod:`clusterfit.compiled`) and chunked (:func:`clusterfit.chunked.chunked_map`), so memory is bounded
whatever the number of positions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from ..chunked import chunked_map
from ..compiled import compiled
from ..model import ComposedModel
from ..physics.cosmology import Cosmology, distance_table
from ..physics.functions import profile_function
from ..physics.tracer import make_tracer

__all__ = ["FIELDS", "FieldEvaluator", "field_evaluator", "evaluate_fields", "unit_weights"]

FIELDS = ("kappa", "gamma1", "gamma2", "gamma", "psi", "alpha_x", "alpha_y", "magnification",
          "kappa_norm", "gamma1_norm", "gamma2_norm", "gamma_norm")
SINGLE_PLANE_ONLY = ("psi", "kappa_norm", "gamma1_norm", "gamma2_norm", "gamma_norm")
_CHUNK = 16384  # positions per jitted call: bounds the memory of the model's intermediates


@dataclass(frozen=True)
class FieldEvaluator:
    """A jitted ``kernel(params, y, x) -> tuple`` of :attr:`names`' arrays for one model at ``z_source``.

    ``ratio`` is D_ls/D_s of the single lens plane to ``z_source`` (``None`` with several planes)."""

    composed: ComposedModel
    z_source: float
    names: tuple[str, ...]
    kernel: Callable
    ratio: float | None


def cosmology_of(composed: ComposedModel) -> Cosmology:
    """The physics :class:`Cosmology` of the model's ``cosmology.csv``."""
    return Cosmology.of(composed.model.cosmology)


def unit_weights(composed: ComposedModel) -> list[float]:
    """Per group, the factor that turns its deflection into the D_ls/D_s = 1 one: 1 for "physical"
    groups, 1/(D_ir/D_r) for "reference" groups (normalised to the last plane r)."""
    layout, ratio = composed.layout, np.asarray(composed.factors.ratio)
    r = layout.reference_plane
    return [1.0 if g.kind == "physical" else 1.0 / ratio[layout.group_plane(k), r]
            for k, g in enumerate(layout.groups)]


def field_evaluator(composed: ComposedModel, z_source: float,
                    names: tuple[str, ...] | None = None) -> FieldEvaluator:
    """The :class:`FieldEvaluator` of ``composed`` for sources at ``z_source`` (must lie behind every
    lens plane); built once per model, redshift and set of fields, and kept as long as the model.

    ``names`` (default: every field the model has) selects fields: the kernel then returns only those
    and XLA drops the work nothing needs (ψ, the deflection), e.g. ``("kappa", "gamma")``."""
    layout = composed.layout
    z_lens = [layout.plane_redshifts[p] for p in layout.lens_planes]
    if not z_source > max(z_lens):
        raise ValueError(f"source redshift {z_source:g} is not behind every lens plane (the highest is at "
                         f"z = {max(z_lens):g}); choose --z > {max(z_lens):g}")
    key = ("fields", float(z_source), None if names is None else tuple(names))
    return compiled(composed, key, lambda: _build_evaluator(composed, float(z_source), names))


def _build_evaluator(composed: ComposedModel, z_source: float,
                     wanted: tuple[str, ...] | None = None) -> FieldEvaluator:
    layout = composed.layout
    z_lens = [layout.plane_redshifts[p] for p in layout.lens_planes]
    cosmo = cosmology_of(composed)
    tracer = make_tracer(layout, composed.factors,
                         distances=distance_table(cosmo, z_max=max(20.0, 1.01 * z_source)))
    r = layout.reference_plane
    zs = jnp.asarray(float(z_source))
    single = len(layout.lens_planes) == 1
    ratio = None
    names = tuple(n for n in FIELDS if single or n not in SINGLE_PLANE_ONLY)
    if wanted is not None:
        if unknown := [n for n in wanted if n not in names]:
            raise ValueError(f"no field {', '.join(unknown)} for this model; it has {', '.join(names)}")
        names = tuple(wanted)
    if single:
        ratio = cosmo.distance_ratio_matrix([z_lens[0], z_source])[0, 1]

        potentials = [profile_function(g.profile_class, "potential") for g in layout.groups]
        weights = unit_weights(composed)

    def kernel(params, y, x):
        by, bx = tracer.ray_trace(params, y, x, r, zs)
        a = tracer.jacobian(params, y, x, r, zs)
        kappa = 1.0 - 0.5 * (a.yy + a.xx)
        g1 = 0.5 * (a.yy - a.xx)
        g2 = -0.5 * (a.xy + a.yx)
        out = {"kappa": kappa, "gamma1": g1, "gamma2": g2, "gamma": jnp.hypot(g1, g2),
               "alpha_x": x - bx, "alpha_y": y - by, "magnification": 1.0 / a.det}
        if single:
            psi = sum(w * pot(p, y, x) for w, pot, p in zip(weights, potentials, params, strict=True))
            out.update(psi=ratio * psi, kappa_norm=kappa / ratio, gamma1_norm=g1 / ratio,
                       gamma2_norm=g2 / ratio, gamma_norm=jnp.hypot(g1, g2) / ratio)
        return tuple(out[n] for n in names)

    return FieldEvaluator(composed, float(z_source), names, jax.jit(kernel), ratio)


def evaluate_fields(evaluator: FieldEvaluator, theta, y, x) -> dict[str, np.ndarray]:
    """Every field of ``evaluator`` at θ on positions ``y, x`` (arcsec, any shape), chunked."""
    y, x = np.broadcast_arrays(np.asarray(y, float), np.asarray(x, float))
    params = evaluator.composed.group_params(theta)
    values = chunked_map(lambda yy, xx: evaluator.kernel(params, yy, xx), (y.ravel(), x.ravel()), _CHUNK)
    return {n: v.reshape(y.shape) for n, v in zip(evaluator.names, values, strict=True)}
