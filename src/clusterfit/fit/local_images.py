"""Image-plane χ² by local Newton image finding: jitted and batched over θ like the source-plane χ².

For each system the source β̂ is the analytic source of the linearised χ² (:mod:`.likelihood`). Each
observed image θ_i^obs then seeds a Newton iteration on the lens equation β(θ) = β̂,

    θ ← θ + clip(A(θ)⁻¹ (β̂ − β(θ))),

whose fixed point θ_i^pred is the predicted image nearest (in the Newton sense) the observed one. This is
how Lenstool finds the predicted counterpart of each observed image (a local search around it, not a
global solve), and its first step is exactly the linearised offset of the source-plane χ², so the
iteration only removes the linearisation error that matters near critical curves. The χ² is

    χ² = Σ_i |θ_i^pred − θ_i^obs|² / σ_i²,   θ_i^pred = θ_n + A⁻¹(θ_n)(β̂ − β(θ_n)),

θ_n the point reached after ``n_newton`` steps and θ_i^pred one step further (smooth in the model θ).

**Gradient by the implicit function theorem.** At a converged image β(θ^pred) = β̂, so
dθ^pred/dθ = A⁻¹ (dβ̂/dθ − ∂β/∂θ): exactly the derivative of the last Newton step taken from a θ_n held
fixed. The iterations before it are therefore run without gradient (``stop_gradient``) and only the
last step is differentiated — what they would add is the Newton step's derivative in its starting
point, O(residual), zero at convergence. Differentiating through all ``n_newton`` steps (nested
forward-mode Jacobians inside a reverse-mode loop) cost 10× the χ² itself on AS1063 (176 vs 17 ms) and
a 98 s compile; this costs about 2× (the NUTS sampler's gradient, :mod:`.nuts`). For the same reason the
last step's A⁻¹ is held fixed too: its derivative multiplies the residual β̂ − β(θ_n), so only β is
differentiated (first derivatives of the deflections, not the second ones A's would need). On A2744
(83 images, 258 potentials) the gradient changes by 5·10⁻⁷ of its size at the MAP and costs 15 % less
(8.1 vs 9.5 ms). Only NUTS uses it (``fixed_jacobian``, with the images that do not settle linearised,
:func:`describe_unsettled`): it stays exact with any force that depends on position alone (leapfrog is
still reversible and volume-preserving, and the acceptance uses the χ² itself). An optimiser does not:
L-BFGS's line search needs the gradient of the function it evaluates. An observed image whose counterpart the model lost (the source
moved across a caustic) has its iteration walk to the nearest remaining image, so a missing image costs
its distance to a predicted one. Steps are clipped to
``max_step_arcsec`` so that a near-singular A (an image on a critical curve) cannot throw the iteration
across the field.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..model import ComposedModel
from .likelihood import (
    PointData,
    batched_log_likelihood,
    make_image_redshifts,
    make_source_plane_chi2,
    map_over_thetas,
    point_data,
)

__all__ = ["make_local_image_chi2", "make_image_log_likelihood", "unsettled_images", "describe_unsettled",
           "make_settled_check", "SETTLED_ARCSEC", "UNSETTLED_SHARE"]

SETTLED_ARCSEC = 0.01
"""An image has settled when one more Newton step moves its predicted counterpart by at most this (″)."""
UNSETTLED_SHARE = 0.01
"""An image unsettled in more than this fraction of the models around the MAP is linearised for NUTS
(:func:`describe_unsettled`; ≥ 3 of the 256 Laplace draws :func:`.nuts.nuts_posterior` asks about). Even a
few per cent is too much: on A2744 images 12, 13 and 63 are unsettled in ~5 % of those draws, and at the
former 10 % they stayed in the image plane — chains passing there diverged and mixed badly
(benchmarks/README.md, session 15)."""


def make_local_image_chi2(composed: ComposedModel, data: PointData, n_newton: int = 4,
                          max_step_arcsec: float = 1.0, linearised: tuple[int, ...] = (),
                          fixed_jacobian: bool = False):
    """``chi2(θ) -> (χ², θ_pred_y, θ_pred_x, next_step)`` for one θ (pure JAX; jit and vmap it);
    ``next_step`` (arcsec, per image, no gradient) is how far one more Newton step would move each
    predicted image (:func:`unsettled_images`; unused outputs cost nothing under jit).

    ``fixed_jacobian``: the last step's A without gradient (module docstring; for NUTS, not optimisers).
    ``linearised``: indices of images whose predicted position is the first Newton step from the
    observed one, unclipped — θ_i + A_i⁻¹(β̂ − β_i), its term then exactly the source-plane χ²'s — for
    images whose Newton counterpart does not settle (:func:`unsettled_images`): smooth in θ where the
    iteration is not."""
    tracer = composed.tracer
    source_chi2 = make_source_plane_chi2(composed, data)
    image_redshifts = make_image_redshifts(composed, data)  # None unless a source redshift is free
    y0, x0 = jnp.asarray(data.y), jnp.asarray(data.x)
    plane, system = jnp.asarray(data.plane), jnp.asarray(data.system)
    inv_var = jnp.asarray(1.0 / data.sigma**2)

    lin = np.asarray(linearised, dtype=int)

    def offset(params, y, x, sy, sx, z_s, planes=plane, max_step=max_step_arcsec, fixed_jacobian=False):
        # one pair of jvps gives β and every 2×2 Jacobian (as Tracer.jacobian, keeping the primal);
        # ``fixed_jacobian``: A without gradient, β with it (the last step's, module docstring)
        def f(yy, xx, p=params, z=z_s):
            return tracer.ray_trace(p, yy, xx, planes, z)

        one, zero = jnp.ones_like(y), jnp.zeros_like(y)
        g = f
        if fixed_jacobian:
            p_fixed, z_fixed = jax.lax.stop_gradient((params, z_s))
            g = lambda yy, xx: f(yy, xx, p_fixed, z_fixed)  # noqa: E731
        (by, bx), (a_yy, a_xy) = jax.jvp(g, (y, x), (one, zero))
        _, (a_yx, a_xx) = jax.jvp(g, (y, x), (zero, one))
        if fixed_jacobian:
            by, bx = f(y, x)
        ry, rx = sy - by, sx - bx
        det = a_yy * a_xx - a_yx * a_xy
        dy = (a_xx * ry - a_yx * rx) / det
        dx = (-a_xy * ry + a_yy * rx) / det
        # the square root only of steps that are clipped: at a converged image the step is exactly 0
        # and √0 would make the gradient NaN (0 · ∞)
        step2 = dy**2 + dx**2
        long = step2 > max_step**2
        scale = jnp.where(long, max_step / jnp.sqrt(jnp.where(long, step2, 1.0)), 1.0)
        return dy * scale, dx * scale

    def chi2(theta):
        params = composed.group_params(theta)
        _, src_y, src_x = source_chi2(theta)
        sy, sx = src_y[system], src_x[system]
        z_s = None if image_redshifts is None else image_redshifts(theta)

        # the iterations carry no gradient (module docstring): only the last step, from where they ended
        p_s, sy_s, sx_s, z_s_s = jax.lax.stop_gradient((params, sy, sx, z_s))

        def newton(_, yx):
            dy, dx = offset(p_s, yx[0], yx[1], sy_s, sx_s, z_s_s)
            return yx[0] + dy, yx[1] + dx

        py, px = jax.lax.stop_gradient(jax.lax.fori_loop(0, n_newton, newton, (y0, x0)))
        ry, rx = offset(params, py, px, sy, sx, z_s, fixed_jacobian=fixed_jacobian)
        qy, qx = py + ry, px + rx
        if lin.size:
            ly, lx = offset(params, y0[lin], x0[lin], sy[lin], sx[lin], None if z_s is None else z_s[lin],
                            plane[lin], jnp.inf)
            qy, qx = qy.at[lin].set(y0[lin] + ly), qx.at[lin].set(x0[lin] + lx)
        total = jnp.sum(((qy - y0) ** 2 + (qx - x0) ** 2) * inv_var)
        ny, nx = offset(p_s, *jax.lax.stop_gradient((qy, qx)), sy_s, sx_s, z_s_s)
        return jnp.where(jnp.isfinite(total), total, jnp.inf), qy, qx, jnp.hypot(ny, nx)

    return chi2


def make_image_log_likelihood(composed: ComposedModel, data: PointData | None = None,
                              n_newton: int = 4):
    """Batched, jitted image-plane log-likelihood: ``(k, n) θ → (k,) log L = −χ²/2``."""
    data = point_data(composed) if data is None else data
    return batched_log_likelihood(make_local_image_chi2(composed, data, n_newton))


def unsettled_images(composed: ComposedModel, data: PointData, thetas: np.ndarray, n_newton: int = 4,
                     tol_arcsec: float = SETTLED_ARCSEC) -> np.ndarray:
    """Per observed image, the fraction of ``thetas`` (k, n) at which its predicted counterpart still
    moves by more than ``tol_arcsec`` when the Newton iteration takes one step more.

    Where that happens the image-plane χ² is not smooth in θ: the iteration ends unconverged, or lands
    on another image as θ changes (an image beside a cluster member, whose critical curve moves with
    the scaling relation), so χ² jumps and the implicit gradient (module docstring) is not χ²'s. NUTS
    cannot follow such a density: its acceptance stays low at any step size and its step size shrinks
    (A2744's third image of system 4, 2.6″ from a 2 L* member, is unsettled in 58 % of 256 Laplace draws
    around the mode; without that image NUTS accepts 93 % at the step size that accepted 38 % with it,
    benchmarks/README.md)."""
    chi2 = make_local_image_chi2(composed, data, n_newton)
    moved = map_over_thetas(lambda t: chi2(t)[3])(jnp.asarray(np.atleast_2d(np.asarray(thetas, float))))
    return np.mean(np.asarray(moved) > tol_arcsec, axis=0)


def make_settled_check(composed: ComposedModel, data: PointData, linearised: tuple[int, ...] = (),
                       tol_arcsec: float = SETTLED_ARCSEC):
    """``settled(θ) -> bool`` (pure JAX): every image compared in the image plane (all but ``linearised``)
    has a predicted counterpart that one more Newton step moves by at most ``tol_arcsec`` — where the
    image-plane χ² is smooth and its implicit gradient exact (:func:`unsettled_images`)."""
    chi2 = make_local_image_chi2(composed, data, linearised=linearised)
    compared = np.ones(len(data.y), bool)
    compared[list(linearised)] = False

    def settled(theta):
        return jnp.all(jnp.where(compared, chi2(theta)[3] <= tol_arcsec, True))

    return settled


def describe_unsettled(composed: ComposedModel, data: PointData, thetas: np.ndarray,
                       share: float = UNSETTLED_SHARE) -> tuple[tuple[int, ...], list[str]]:
    """The images unsettled (:func:`unsettled_images`) in more than ``share`` of ``thetas``, worst
    first: (their indices, a line each naming the dataset, the image's row in it and its position)."""
    fraction = unsettled_images(composed, data, thetas)
    index, lines = [], []
    for i in np.argsort(-fraction):
        if fraction[i] <= share:
            break
        row = int(np.sum(data.system[:i] == data.system[i])) + 1
        index.append(int(i))
        lines.append(f"{data.names[data.system[i]]} image {row} at (y, x) = ({data.y[i]:.2f}, {data.x[i]:.2f})″: "
                     f"its predicted counterpart is unsettled in {100 * fraction[i]:.0f} % of the models "
                     "around the MAP")
    return tuple(index), lines
