"""Multi-plane ray tracing in pure JAX: lens equation, Jacobian, magnification, arrival time.

Static structure (Python, fixed per model) lives in a frozen :class:`TracerLayout`: the groups of
same-class mass profiles with their redshifts and *normalisation kind*, and the source redshifts. The
traced data are the per-group :data:`~clusterfit.physics.types.Params` and the distance factors
(:class:`TracerFactors`, numpy, computed once per model). :func:`make_tracer` closes over both and
returns pure functions of ``(group_params, y, x, plane)`` that jit once and vmap over parameter batches.

Planes are the sorted unique redshifts of all groups and sources; ``plane`` is an index into
:attr:`TracerLayout.plane_redshifts` and may be a traced integer. The recursive lens equation
(Blandford & Narayan 1986; Petkova et al. 2014, eq. 6; McCully et al. 2014, eq. 2) is::

    θ_j = θ − Σ_{i<j} f_ij α_i(θ_i)

with α_i the summed deflection of the groups on lens plane i, and per group

* ``"physical"`` (dPIE with σ, ``NFWMCRLudlowSph``: deflections for D_ls/D_s = 1):  f_ij = D_ij/D_j;
* ``"reference"`` (``Isothermal``, ``NFWSph``, ``PointMass``, ``ExternalShear`` ...: parameters give the
  deflection to the *last* plane r of the tracer, sources included, as in PyAutoLens's ``Tracer``):
  f_ij = (D_ij/D_j)/(D_ir/D_r).

A source whose redshift z_s is free (a fit parameter) stays on its table plane j (redshift z_j) and is
traced with ``z_source``: every lens plane i's factor to it is rescaled by R(z_i, z_s) / R(z_i, z_j), with
R(a, b) = D_ab/D_b from a :class:`~clusterfit.physics.cosmology.DistanceTable` (jit-able, exactly 1 at
z_s = z_j). Reference groups keep their fixed reference plane r. Every lens plane must lie in front of
both z_j and z_s (the model checks the prior).

All angles in arcsec, distances in Mpc, arrival times in days. (y, x) order everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from clusterfit.physics.cosmology import (
    DistanceTable,
)
from clusterfit.physics.functions import profile_function
from clusterfit.physics.layout import (
    Group,
    Kind,
    TracerFactors,
    TracerLayout,
    default_kind,
    tracer_factors,
)
from clusterfit.registry import get_spec

__all__ = [
    "Kind",
    "Group",
    "TracerLayout",
    "TracerFactors",
    "Jacobian",
    "Tracer",
    "default_kind",
    "tracer_factors",
    "make_tracer",
    "make_ray_tracer",
    "jvp_jacobian",
    "source_redshift_scale",
]

# 1 Mpc in metres (IAU 2015, astropy.units), speed of light (m/s), seconds per day, arcsec in radians.
_MPC_M = 3.0856775814913673e22
_C_M_S = 299792458.0
_DAY_S = 86400.0
_ARCSEC = np.pi / 648000.0
_DAYS_PER_MPC_ARCSEC2 = _MPC_M / _C_M_S / _DAY_S * _ARCSEC**2


class Jacobian(NamedTuple):
    """A = ∂β/∂θ per position: ``yy = ∂β_y/∂θ_y``, ``yx = ∂β_y/∂θ_x``, ``xy = ∂β_x/∂θ_y``, ``xx``."""

    yy: jnp.ndarray
    yx: jnp.ndarray
    xy: jnp.ndarray
    xx: jnp.ndarray

    @property
    def det(self) -> jnp.ndarray:
        return self.yy * self.xx - self.yx * self.xy


Functions = Mapping[str, Mapping[str, Callable]]
RayTracer = Callable[..., tuple[jnp.ndarray, jnp.ndarray]]


@dataclass(frozen=True)
class Tracer:
    """Pure functions of one layout and its factors; each is jit- and vmap-able.

    ``group_params`` is a sequence of Params aligned with ``layout.groups``; ``y, x`` have shape (m,);
    ``plane`` indexes ``layout.plane_redshifts`` (Python int or traced integer).

    * ``ray_trace(group_params, y, x, plane, z_source=None) -> (β_y, β_x)``: positions on that plane
      (arcsec); ``z_source`` (scalar or per position, traced) moves the target to a free source
      redshift (module docstring; needs ``distances``).
    * ``jacobian(group_params, y, x, plane, z_source=None) -> Jacobian``: A = ∂β/∂θ; with one lens plane
      I − Σ f H from the profiles' analytic Hessians, with several by forward-mode autodiff
      (:func:`jvp_jacobian`).
    * ``magnification(group_params, y, x, plane, z_source=None) -> 1/det A`` (signed: negative = odd
      parity).
    * ``arrival_time(group_params, y, x, plane, beta_y, beta_x) -> days``, multi-plane Fermat potential
      (planes at their table redshifts).
    """

    layout: TracerLayout
    factors: TracerFactors
    ray_trace: RayTracer
    jacobian: Callable[..., Jacobian]
    magnification: Callable[..., jnp.ndarray]
    arrival_time: Callable[..., jnp.ndarray]
    distances: DistanceTable | None = None


def _resolve(layout: TracerLayout, key: str, functions: Functions | None) -> list[Callable]:
    out = []
    for g in layout.groups:
        if functions is not None and g.profile_class in functions:
            out.append(functions[g.profile_class][key])
            continue
        get_spec(g.profile_class, "mass")  # an unknown or non-mass class: KeyError naming the valid ones
        out.append(profile_function(g.profile_class, key))
    return out


def _group_factors(layout: TracerLayout, ratio: np.ndarray) -> np.ndarray:
    """(n_groups, n_planes): the factor f_gj applied to group g's deflection for plane j."""
    r = layout.reference_plane
    out = np.zeros((len(layout.groups), len(layout.plane_redshifts)))
    for k, g in enumerate(layout.groups):
        i = layout.group_plane(k)
        row = np.where(np.arange(ratio.shape[1]) > i, ratio[i], 0.0)
        out[k] = row if g.kind == "physical" else row / ratio[i, r]
    return out


def _check_factors(layout: TracerLayout, factors: TracerFactors) -> None:
    n = len(layout.plane_redshifts)
    if np.shape(factors.ratio) != (n, n) or np.shape(factors.distance) != (n,):
        raise ValueError(f"factors must have ratio ({n}, {n}) and distance ({n},) for planes "
                         f"{layout.plane_redshifts}; got {np.shape(factors.ratio)}, {np.shape(factors.distance)}")
    for i in layout.lens_planes:
        if i < layout.reference_plane and not factors.ratio[i, layout.reference_plane] > 0:
            raise ValueError(f"ratio[{i}, {layout.reference_plane}] must be > 0")


def source_redshift_scale(
    layout: TracerLayout, distances: DistanceTable, plane, z_source
) -> list[jnp.ndarray]:
    """Per lens plane i (``layout.lens_planes`` order): R(z_i, z_s) / R(z_i, z_j), the factor that moves
    deflections aimed at plane j (redshift z_j) to a source at ``z_source`` (jit-able; 0 where plane i
    is not in front of plane j). ``plane`` and ``z_source`` broadcast (scalars or per position)."""
    z_plane = jnp.asarray(layout.plane_redshifts)[plane]
    out = []
    for i in layout.lens_planes:
        z_i = layout.plane_redshifts[i]
        den = distances.ratio(z_i, z_plane)
        ok = den > 0
        out.append(jnp.where(ok, distances.ratio(z_i, z_source) / jnp.where(ok, den, 1.0), 0.0))
    return out


def _plane_factors(
    layout: TracerLayout, factors: TracerFactors, distances: DistanceTable | None
) -> Callable[..., list]:
    """``factors_to(plane, z_source=None)``: per group, the factor f_gj of its deflection in β_j (module
    docstring), rescaled to ``z_source`` when given."""
    f = jnp.asarray(_group_factors(layout, np.asarray(factors.ratio)))
    lens_slot = [layout.lens_planes.index(layout.group_plane(k)) for k in range(len(layout.groups))]

    def factors_to(plane, z_source=None):
        fj = [f[k, plane] for k in range(len(layout.groups))]
        if z_source is None:
            return fj
        if distances is None:
            raise ValueError("z_source needs a tracer built with a DistanceTable (distances=...)")
        scale = source_redshift_scale(layout, distances, plane, z_source)
        return [fj[k] * scale[lens_slot[k]] for k in range(len(fj))]

    return factors_to


def make_ray_tracer(
    layout: TracerLayout, factors: TracerFactors, functions: Functions | None = None,
    distances: DistanceTable | None = None,
) -> RayTracer:
    """``ray_trace(group_params, y, x, plane, z_source=None) -> (β_y, β_x)`` for ``layout`` (see
    :class:`Tracer`).

    ``functions`` optionally maps a ``profile_class`` to ``{"deflections_yx": f, "potential": g}``,
    overriding the registry (tests use it for toy profiles). ``distances`` enables ``z_source``.
    """
    _check_factors(layout, factors)
    deflect = _resolve(layout, "deflections_yx", functions)
    f = jnp.asarray(_group_factors(layout, np.asarray(factors.ratio)))
    factors_to = _plane_factors(layout, factors, distances)
    group_plane = [layout.group_plane(k) for k in range(len(layout.groups))]
    lens_planes = layout.lens_planes

    def ray_trace(group_params, y, x, plane, z_source=None):
        static = isinstance(plane, int | np.integer)
        theta_y, theta_x = jnp.asarray(y), jnp.asarray(x)
        alphas: list[tuple[int, jnp.ndarray, jnp.ndarray]] = []  # (group, α_y, α_x) done so far
        for p in lens_planes:
            if static and p >= plane:
                break
            py, px = theta_y, theta_x
            for k, ay, ax in alphas:
                py = py - f[k, p] * ay
                px = px - f[k, p] * ax
            for k in range(len(layout.groups)):
                if group_plane[k] == p:
                    a = deflect[k](group_params[k], py, px)
                    alphas.append((k, a.y, a.x))
        fj = factors_to(plane, z_source)
        by, bx = theta_y, theta_x
        for k, ay, ax in alphas:
            by = by - fj[k] * ay
            bx = bx - fj[k] * ax
        return by, bx

    return ray_trace


def jvp_jacobian(ray_trace: RayTracer) -> Callable[..., Jacobian]:
    """``jacobian(group_params, y, x, plane, z_source=None)``: A = ∂β/∂θ of ``ray_trace`` by forward-mode
    autodiff (any number of lens planes)."""

    def jacobian(group_params, y, x, plane, z_source=None):
        # Positions are independent, so one jvp per input direction gives every 2×2 Jacobian at once
        # (equivalent to a vmapped jax.jacfwd, without the (m, m) cross terms).
        def f(yy, xx):
            return ray_trace(group_params, yy, xx, plane, z_source)

        one, zero = jnp.ones_like(y), jnp.zeros_like(y)
        _, (dy_dty, dx_dty) = jax.jvp(f, (y, x), (one, zero))
        _, (dy_dtx, dx_dtx) = jax.jvp(f, (y, x), (zero, one))
        return Jacobian(dy_dty, dy_dtx, dx_dty, dx_dtx)

    return jacobian


def _single_plane_jacobian(
    layout: TracerLayout, factors: TracerFactors, hessians: list[Callable], distances: DistanceTable | None
) -> Callable[..., Jacobian]:
    """One lens plane: A = I − Σ_g f_g H_g(θ) from each group's analytic Hessian (exact; no autodiff of
    the ray trace). f_g is zero for a target plane not behind the lens, so A = I there."""
    factors_to = _plane_factors(layout, factors, distances)

    def jacobian(group_params, y, x, plane, z_source=None):
        y, x = jnp.asarray(y, dtype=float), jnp.asarray(x, dtype=float)
        shape = jnp.broadcast_shapes(y.shape, x.shape)
        fj = factors_to(plane, z_source)
        hyy = hyx = hxx = 0.0
        for k, hess in enumerate(hessians):
            h = hess(group_params[k], y, x)
            hyy = hyy + fj[k] * h.yy.reshape(shape)
            hyx = hyx + fj[k] * h.yx.reshape(shape)
            hxx = hxx + fj[k] * h.xx.reshape(shape)
        return Jacobian(1.0 - hyy, -hyx, -hyx, 1.0 - hxx)

    return jacobian


def _make_jacobian(
    layout: TracerLayout, factors: TracerFactors, functions: Functions | None, distances: DistanceTable | None,
    ray_trace: RayTracer,
) -> Callable[..., Jacobian]:
    """The analytic single-plane Jacobian when there is one lens plane and every group has a ``hessian``,
    else :func:`jvp_jacobian`."""
    if len(layout.lens_planes) == 1:
        try:
            return _single_plane_jacobian(layout, factors, _resolve(layout, "hessian", functions), distances)
        except KeyError:
            pass
    return jvp_jacobian(ray_trace)


def _make_arrival_time(
    layout: TracerLayout, factors: TracerFactors, functions: Functions | None, ray_trace: RayTracer
) -> Callable[..., jnp.ndarray]:
    """Multi-plane arrival time (Blandford & Narayan 1986; Petkova et al. 2014, eq. 13)::

        T = Σ_k (1+z_k)/c [ D_k D_{k+1} / (2 D_{k,k+1}) |θ_k − θ_{k+1}|² − D_k ψ̂_k(θ_k) ]

    over the lens planes k below the target plane, with θ_{k+1} the next lens plane's position or, for
    the last, the given source position β; ψ̂_k is plane k's potential for D_ls/D_s = 1 (reference
    groups are divided by D_kr/D_r). For one lens plane this is PyAutoLens's
    ``(1+z_l) D_l D_s/(c D_ls) [½|θ−β|² − ψ]``. Zero point arbitrary (differences are delays).
    """
    try:
        potentials = _resolve(layout, "potential", functions)
    except KeyError:
        potentials = None
    ratio = np.asarray(factors.ratio)
    dist = jnp.asarray(factors.distance)
    ratio_j = jnp.asarray(ratio)
    z = jnp.asarray(layout.plane_redshifts)
    r = layout.reference_plane
    lens_planes = layout.lens_planes
    group_plane = [layout.group_plane(k) for k in range(len(layout.groups))]
    pot_scale = [1.0 if g.kind == "physical" else 1.0 / ratio[group_plane[k], r]
                 for k, g in enumerate(layout.groups)]

    def arrival_time(group_params, y, x, plane, beta_y, beta_x):
        if potentials is None:
            raise KeyError("arrival times need a 'potential' function for every group")
        total = jnp.zeros_like(jnp.asarray(y, dtype=float))
        for n, p in enumerate(lens_planes):
            ty, tx = ray_trace(group_params, y, x, p)
            last = n == len(lens_planes) - 1
            nxt = plane if last else jnp.minimum(lens_planes[n + 1], plane)
            is_target = nxt == plane
            if last:
                ny, nx = beta_y, beta_x
            else:
                uy, ux = ray_trace(group_params, y, x, lens_planes[n + 1])
                ny = jnp.where(is_target, beta_y, uy)
                nx = jnp.where(is_target, beta_x, ux)
            psi = 0.0
            for k in range(len(layout.groups)):
                if group_plane[k] == p:
                    psi = psi + pot_scale[k] * potentials[k](group_params[k], ty, tx)
            d_k, d_n = dist[p], dist[nxt]
            d_kn = ratio_j[p, nxt] * d_n
            geom = 0.5 * d_k * d_n / jnp.where(d_kn > 0, d_kn, 1.0) * ((ty - ny) ** 2 + (tx - nx) ** 2)
            term = (1.0 + z[p]) * (geom - d_k * psi)
            total = total + jnp.where(p < plane, term, 0.0)
        return _DAYS_PER_MPC_ARCSEC2 * total

    return arrival_time


def make_tracer(
    layout: TracerLayout, factors: TracerFactors, functions: Functions | None = None,
    distances: DistanceTable | None = None,
) -> Tracer:
    """Build the :class:`Tracer` closures for ``layout`` and ``factors`` (``distances`` enables
    ``z_source``, free source redshifts).

    Example::

        layout = TracerLayout((Group.of("dPIEMass", 0.3), Group.of("NFWSph", 0.3)), (1.0, 2.5))
        tracer = make_tracer(layout, tracer_factors(layout, Cosmology(H0=67.66, Om0=0.30966)))
        by, bx = jax.jit(tracer.ray_trace, static_argnums=3)(params, y, x, layout.plane_index(1.0))
    """
    ray_trace = make_ray_tracer(layout, factors, functions, distances)
    jacobian = _make_jacobian(layout, factors, functions, distances, ray_trace)

    def magnification(group_params, y, x, plane, z_source=None):
        return 1.0 / jacobian(group_params, y, x, plane, z_source).det

    arrival = _make_arrival_time(layout, factors, functions, ray_trace)
    return Tracer(layout, factors, ray_trace, jacobian, magnification, arrival, distances)
