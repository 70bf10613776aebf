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

With one lens plane the fields come from the profiles' own closed forms (deflection, analytic Hessian,
potential; a scan over each group's profiles, :func:`_single_plane_kernel`), exactly equal to the
general path; with several, from the ray trace and its forward-mode Jacobian.

Evaluation is jitted once per model and source redshift (the model owns the kernel:
:mod:`clusterfit.compiled`) and chunked (:func:`clusterfit.chunked.chunked_map`), so memory is bounded
whatever the number of positions (and, with one plane, whatever the number of profiles).
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
    single = len(layout.lens_planes) == 1
    ratio = None
    names = tuple(n for n in FIELDS if single or n not in SINGLE_PLANE_ONLY)
    if wanted is not None:
        if unknown := [n for n in wanted if n not in names]:
            raise ValueError(f"no field {', '.join(unknown)} for this model; it has {', '.join(names)}")
        names = tuple(wanted)
    if single:
        ratio = cosmo.distance_ratio_matrix([z_lens[0], z_source])[0, 1]
        kernel = _single_plane_kernel(composed, ratio, names)
    else:
        tracer = make_tracer(layout, composed.factors,
                             distances=distance_table(cosmo, z_max=max(20.0, 1.01 * z_source)))
        r = layout.reference_plane
        zs = jnp.asarray(float(z_source))

        def kernel(params, y, x):
            by, bx = tracer.ray_trace(params, y, x, r, zs)
            a = tracer.jacobian(params, y, x, r, zs)
            kappa = 1.0 - 0.5 * (a.yy + a.xx)
            g1 = 0.5 * (a.yy - a.xx)
            g2 = -0.5 * (a.xy + a.yx)
            out = {"kappa": kappa, "gamma1": g1, "gamma2": g2, "gamma": jnp.hypot(g1, g2),
                   "alpha_x": x - bx, "alpha_y": y - by, "magnification": 1.0 / a.det}
            return tuple(out[n] for n in names)

    return FieldEvaluator(composed, float(z_source), names, jax.jit(kernel), ratio)


_HESSIAN_FIELDS = ("kappa", "gamma1", "gamma2", "gamma", "magnification",
                   "kappa_norm", "gamma1_norm", "gamma2_norm", "gamma_norm")


def _single_plane_kernel(composed: ComposedModel, ratio: float, names: tuple[str, ...]) -> Callable:
    """The fields of a one-plane model from its profiles' own functions, exactly: α = f Σ_g w_g α_g,
    ψ = f Σ_g w_g ψ_g and A = I − f Σ_g w_g H_g (analytic Hessians), f = D_ls/D_s to the source and w_g
    the :func:`unit_weights` ("reference" groups). Each group is a ``lax.scan`` over its profiles, one
    profile (all positions) per step: XLA then fuses a profile's deflection, Hessian and potential into one
    pass over the positions, sharing their intermediates, and never materialises a (profiles × positions)
    array (on CPU it did, once per reduction: 2.8x slower for A2744's 258 dPIEs, and memory ∝ members)."""
    layout = composed.layout
    weights = unit_weights(composed)
    need_a = any(n in names for n in ("alpha_x", "alpha_y"))
    need_h = any(n in names for n in _HESSIAN_FIELDS)
    need_p = "psi" in names
    fns = [{k: profile_function(g.profile_class, k) for k in ("deflections_yx", "hessian", "potential")}
           for g in layout.groups]

    def one_profile(fn, p, y, x):
        parts = []
        if need_a:
            d = fn["deflections_yx"](p, y, x)
            parts += [d.y, d.x]
        if need_h:
            h = fn["hessian"](p, y, x)
            parts += [h.yy, h.yx, h.xx]
        if need_p:
            parts.append(fn["potential"](p, y, x))
        return jnp.stack([v.reshape(y.shape) for v in parts])

    def kernel(params, y, x):
        total = 0.0
        for fn, w, p in zip(fns, weights, params, strict=True):
            n = max(jnp.size(v) for v in p.values())
            rows = {k: jnp.broadcast_to(jnp.asarray(v, dtype=float).reshape(-1), (n,)).reshape(n, 1)
                    for k, v in p.items()}

            def step(acc, row, fn=fn):
                return acc + one_profile(fn, row, y, x), None

            acc, _ = jax.lax.scan(step, jnp.zeros((need_a * 2 + need_h * 3 + need_p, y.shape[0])), rows)
            total = total + w * acc
        total = ratio * total
        out, k = {}, 0
        if need_a:
            out.update(alpha_y=total[0], alpha_x=total[1])
            k = 2
        if need_h:
            hyy, hyx, hxx = total[k], total[k + 1], total[k + 2]
            kappa, g1, g2 = 0.5 * (hyy + hxx), 0.5 * (hxx - hyy), hyx
            out.update(kappa=kappa, gamma1=g1, gamma2=g2, gamma=jnp.hypot(g1, g2),
                       magnification=1.0 / ((1.0 - hyy) * (1.0 - hxx) - hyx * hyx),
                       kappa_norm=kappa / ratio, gamma1_norm=g1 / ratio, gamma2_norm=g2 / ratio,
                       gamma_norm=jnp.hypot(g1, g2) / ratio)
            k += 3
        if need_p:
            out["psi"] = total[k]
        return tuple(out[n] for n in names)

    return kernel


def evaluate_fields(evaluator: FieldEvaluator, theta, y, x) -> dict[str, np.ndarray]:
    """Every field of ``evaluator`` at θ on positions ``y, x`` (arcsec, any shape), chunked."""
    y, x = np.broadcast_arrays(np.asarray(y, float), np.asarray(x, float))
    params = evaluator.composed.group_params(theta)
    values = chunked_map(lambda yy, xx: evaluator.kernel(params, yy, xx), (y.ravel(), x.ravel()), _CHUNK)
    return {n: v.reshape(y.shape) for n, v in zip(evaluator.names, values, strict=True)}
