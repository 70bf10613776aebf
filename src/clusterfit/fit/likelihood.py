"""Point-source likelihoods over the free-parameter vector θ (docs/cli.md).

**Source-plane χ²** (jitted, batched over θ): every observed image θ_i is traced to its source plane,
β_i = β(θ_i), and compared with the system's source position β̂ through the magnification tensor,

    χ² = Σ_i (β_i − β̂)ᵀ M_i (β_i − β̂),   M_i = A_i⁻ᵀ A_i⁻¹ / σ_i²,

with A_i = ∂β/∂θ at the image. A_i⁻¹(β_i − β̂) is the image-plane offset to first order, so this is the
linearised image-plane χ² (Keeton 2001, §4; the "magnification-weighted" source-plane χ² of Lenstool and
glafic). β̂ is either the point source's free centre (when ``priors.csv`` frees ``point.csv``'s
``centre``) or solved analytically, β̂ = (Σ M_i)⁻¹ Σ M_i β_i (:mod:`.source`), which costs no dimension. A system whose
redshift is free is traced to θ's redshift (the tracer's ``z_source``).

The image-plane χ² (Newton from each observed image, jitted the same way) is :mod:`.local_images`; the
image-plane figures of one θ (solved images, pairing, missing images) are :mod:`.evaluate`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from ..chunked import chunked_map
from ..model import ComposedModel
from .source import optimal_source, source_precision

__all__ = ["PointData", "point_data", "make_image_redshifts", "make_source_plane_chi2", "make_log_likelihood",
           "TERMS", "check_terms", "map_over_thetas"]


@dataclass(frozen=True)
class PointData:
    """Every observed image as flat arrays; ``system[i]`` indexes :attr:`names`."""

    names: tuple[str, ...]
    y: np.ndarray
    x: np.ndarray
    sigma: np.ndarray
    plane: np.ndarray
    system: np.ndarray
    free_source: tuple[tuple[int, int] | None, ...]  # per system: θ indices of (y, x), or None
    z_index: tuple[int | None, ...] = ()  # per system: θ index of its free redshift, or None
    # optional observables per image (NaN where the column is absent): days and image flux units
    time_delay: np.ndarray | None = None
    time_delay_sigma: np.ndarray | None = None
    flux: np.ndarray | None = None
    flux_sigma: np.ndarray | None = None
    h0_index: int | None = None  # θ index of a free H0 (priors.csv `cosmology,*,H0`), or None

    @property
    def n_systems(self) -> int:
        return len(self.names)


def point_data(composed: ComposedModel) -> PointData:
    """Flatten the model's point datasets; check that every dataset can be fitted."""
    model = composed.model
    datasets = model.point_datasets
    if not datasets:
        raise ValueError("the folder has no point_datasets.csv: there is nothing to fit (run "
                         "`clusterfit simulate`, or add the observed images)")
    names = tuple(d.name for d in datasets)
    index = {fp.name: i for i, fp in enumerate(composed.free)}
    points = {r.attr_name: r for r in model.point}
    free_source = []
    for d in datasets:
        row = points.get(d.name)
        if row is None:
            free_source.append(None)
            continue
        key = f"{row.galaxy}.{row.attr_name}"
        iy, ix = index.get(f"{key}.y"), index.get(f"{key}.x")
        if (iy is None) != (ix is None):
            raise ValueError(f"priors.csv frees only one coordinate of {key}'s centre; free both "
                             "(parameter = centre) or neither")
        free_source.append(None if iy is None else (iy, ix))
    cat = np.concatenate

    def column(name):
        v = cat([[np.nan if getattr(im, name) is None else getattr(im, name) for im in d.images]
                 for d in datasets]).astype(float)
        return v if np.isfinite(v).any() else None

    return PointData(
        names,
        cat([[im.y for im in d.images] for d in datasets]).astype(float),
        cat([[im.x for im in d.images] for d in datasets]).astype(float),
        cat([d.positions_noise for d in datasets]).astype(float),
        cat([[composed.plane_of(d)] * len(d.images) for d in datasets]).astype(np.int32),
        cat([[k] * len(d.images) for k, d in enumerate(datasets)]).astype(np.int32),
        tuple(free_source),
        tuple(composed.redshift_index.get(d.name) for d in datasets),
        column("time_delay"), column("time_delay_noise"), column("flux"), column("flux_noise"),
        next((i for i, fp in enumerate(composed.free) if fp.table == "cosmology" and fp.column == "H0"), None),
    )


TERMS = ("time_delay", "flux")


def check_terms(composed: ComposedModel, data: PointData, terms) -> None:
    """Refuse likelihood terms whose columns are missing or unusable, before any sampling."""
    for term in terms:
        if term not in TERMS:
            raise ValueError(f"unknown likelihood term {term!r}; valid: {', '.join(TERMS)}")
        value, sigma = getattr(data, term), getattr(data, f"{term}_sigma")
        if value is None:
            raise ValueError(f"--likelihood asks for {term} but point_datasets.csv has no {term} column")
        has = np.isfinite(value)
        if sigma is None or not np.all(np.isfinite(sigma[has]) & (sigma[has] > 0)):
            raise ValueError(f"point_datasets.csv: every image with {term} needs {term}_noise > 0 to fit it")
    if "time_delay" in terms and any(i is not None for i in data.z_index):
        raise ValueError("time delays cannot be fitted with a free source redshift yet; fix the redshift")
    if data.h0_index is not None and "time_delay" not in terms:
        raise ValueError("priors.csv frees H0, which only time delays constrain; fit them "
                         "(--likelihood source+time_delay) or make H0 Fixed")


def make_image_redshifts(composed: ComposedModel, data: PointData):
    """``z(θ) -> (m,)`` redshift of every image's source (θ's value where free), or ``None`` when no
    redshift is free; pass it as the tracer's ``z_source`` (pure JAX)."""
    z_free = np.array([i is not None for i in data.z_index], dtype=bool)
    if not z_free.any():
        return None
    z_iy = np.array([0 if i is None else i for i in data.z_index], dtype=int)[data.system]
    z_table = np.asarray(composed.layout.plane_redshifts)[data.plane]
    free = z_free[data.system]

    def image_redshifts(theta):
        return jnp.where(free, jnp.asarray(theta)[z_iy], z_table)

    return image_redshifts


def make_source_plane_chi2(composed: ComposedModel, data: PointData, terms=()):
    """``chi2(θ) -> (χ², β̂_y, β̂_x)`` for one θ (pure JAX; jit and vmap it).

    ``terms`` adds, per system with the column (:func:`check_terms`):

    * ``"time_delay"``: Σ_i [(T_i − T_1)·H0_table/H0 − (t_i − t_1)]²/σ_i² over the images after the
      first, T the arrival time (days, :meth:`Tracer.arrival_time`) at the linearised predicted image
      θ_i − A_i⁻¹(β_i − β̂) (the image the position χ² compares with), and H0 θ's value when free
      (positions do not depend on H0; every time delay scales as 1/H0). Delays are linear in the source
      position (T is quadratic in β with the same Hessian for every image of a system), and they are
      sensitive to it (tens of days per 0.01″ in a cluster), so the source moves to β̂ + δ minimising the
      position χ² (which grows as δᵀ(Σ M_i)δ) plus the delay χ² — a 2×2 solve per system. Keeping β̂
      of the positions alone biased H0 by 5σ in a simulated test (0.05″ position noise, 1 d delays);
    * ``"flux"``: Σ_i (F̂ |μ_i| − f_i)²/σ_i², μ_i at the observed image and the source flux F̂ the
      least-squares one, Σ f|μ|/σ² / Σ μ²/σ² (no extra dimension)."""
    tracer = composed.tracer
    y, x = jnp.asarray(data.y), jnp.asarray(data.x)
    plane, system = jnp.asarray(data.plane), jnp.asarray(data.system)
    sigma = jnp.asarray(data.sigma)
    n_sys = data.n_systems
    free_mask = np.array([f is not None for f in data.free_source])
    free_iy = np.array([f[0] if f else 0 for f in data.free_source])
    free_ix = np.array([f[1] if f else 0 for f in data.free_source])
    image_redshifts = make_image_redshifts(composed, data)
    first = jnp.asarray(np.array([np.flatnonzero(data.system == data.system[i])[0] for i in range(len(data.y))]))
    h0_table = float(composed.model.cosmology.H0)
    if "time_delay" in terms:
        td = data.time_delay
        td_obs = jnp.asarray(np.nan_to_num(td - td[np.asarray(first)]))
        td_mask = jnp.asarray(np.isfinite(td) & (np.arange(len(td)) != np.asarray(first)))
        td_sig = jnp.asarray(np.where(np.isfinite(data.time_delay_sigma), data.time_delay_sigma, 1.0))
    if "flux" in terms:
        f_mask = np.isfinite(data.flux)
        f_obs = jnp.asarray(np.nan_to_num(data.flux))
        f_sig = jnp.asarray(np.where(f_mask, data.flux_sigma, 1.0))
        f_mask = jnp.asarray(f_mask)

    def chi2(theta):
        params = composed.group_params(theta)
        z_s = None if image_redshifts is None else image_redshifts(theta)  # free source redshifts
        by, bx = tracer.ray_trace(params, y, x, plane, z_s)
        a = tracer.jacobian(params, y, x, plane, z_s)
        det = a.det
        m = source_precision(a.yy, a.yx, a.xy, a.xx, sigma)
        m_yy, m_yx, m_xx, iyy, iyx, ixy, ixx = m
        seg = lambda v: jax.ops.segment_sum(v, system, num_segments=n_sys)  # noqa: E731
        src_y, src_x, s_yy, s_yx, s_xx = optimal_source(by, bx, m, system, n_sys)
        if free_mask.any():
            src_y = jnp.where(free_mask, theta[free_iy], src_y)
            src_x = jnp.where(free_mask, theta[free_ix], src_x)
        ry, rx = by - src_y[system], bx - src_x[system]
        total = jnp.sum(m_yy * ry**2 + 2 * m_yx * ry * rx + m_xx * rx**2)
        if "time_delay" in terms:
            # at the linearised predicted image θ − A⁻¹(β − β̂) (the one the position χ² compares with)
            py = y - (iyy * ry + iyx * rx)
            px = x - (ixy * ry + ixx * rx)
            sy, sx = src_y[system], src_x[system]
            # T and its gradient in β (T is quadratic in β with a Hessian common to all images of a
            # system, so delays are linear in β: the source can move to fit them, see the docstring)
            t, (gy, gx) = _arrival_and_gradient(tracer, params, py, px, plane, sy, sx)
            scale = 1.0 if data.h0_index is None else h0_table / theta[data.h0_index]
            r = jnp.where(td_mask, (scale * (t - t[first]) - td_obs) / td_sig, 0.0)
            g_y = jnp.where(td_mask, scale * (gy - gy[first]) / td_sig, 0.0)
            g_x = jnp.where(td_mask, scale * (gx - gx[first]) / td_sig, 0.0)
            # minimise χ²_pos(β̂ + δ) + Σ (r + G δ)² over δ per system: χ²_pos grows as δᵀ S δ
            h_yy, h_yx, h_xx = s_yy + seg(g_y * g_y), s_yx + seg(g_y * g_x), s_xx + seg(g_x * g_x)
            b_y, b_x = seg(g_y * r), seg(g_x * r)
            h_det = h_yy * h_xx - h_yx**2
            d_y = -(h_xx * b_y - h_yx * b_x) / h_det
            d_x = -(-h_yx * b_y + h_yy * b_x) / h_det
            if free_mask.any():  # a free source centre does not move
                d_y, d_x = jnp.where(free_mask, 0.0, d_y), jnp.where(free_mask, 0.0, d_x)
            src_y, src_x = src_y + d_y, src_x + d_x
            # Σ (r + G δ)² + δᵀ S δ (free sources: δ = 0, S-term vanishes)
            rr = r + g_y * d_y[system] + g_x * d_x[system]
            total = total + jnp.sum(rr**2) + jnp.sum(s_yy * d_y**2 + 2 * s_yx * d_y * d_x + s_xx * d_x**2)
        if "flux" in terms:
            mu = jnp.abs(1.0 / det)
            w = jnp.where(f_mask, 1.0 / f_sig**2, 0.0)
            f_src = seg(w * f_obs * mu) / jnp.where(seg(w * mu**2) > 0, seg(w * mu**2), 1.0)
            total = total + jnp.sum(w * (f_src[system] * mu - f_obs) ** 2)
        return jnp.where(jnp.isfinite(total), total, jnp.inf), src_y, src_x

    return chi2


def _arrival_and_gradient(tracer, params, y, x, plane, beta_y, beta_x):
    """Arrival times (days) and their derivatives with respect to β_y and β_x (forward mode)."""
    def f(by, bx):
        return tracer.arrival_time(params, y, x, plane, by, bx)

    one, zero = jnp.ones_like(beta_y), jnp.zeros_like(beta_y)
    t, gy = jax.jvp(f, (beta_y, beta_x), (one, zero))
    _, gx = jax.jvp(f, (beta_y, beta_x), (zero, one))
    return t, (gy, gx)


def map_over_thetas(f):
    """``f`` (one θ → arrays, pure JAX) as a jitted function of ``(k, n)`` θ rows.

    lax.map over chunks of 8 θ (each chunk vmapped) keeps the (θ, members, images) working set in
    cache on CPU; a plain vmap over hundreds of θ is up to 3× slower per θ (benchmarks/README.md)."""
    return jax.jit(lambda ts: jax.lax.map(f, ts, batch_size=8))


def batched_log_likelihood(chi2):
    """``chi2(θ) -> (χ², ...)`` (pure JAX, one θ) → a jitted ``(k, n) θ → (k,) log L = −χ²/2``."""
    batched = map_over_thetas(lambda t: chi2(t)[0])

    def log_likelihood(thetas: np.ndarray) -> np.ndarray:
        thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
        k = len(thetas)
        # pad the batch to a power of two so that jit compiles a handful of shapes, not one per size
        size = max(16, 1 << (k - 1).bit_length())
        out = -0.5 * chunked_map(batched, [thetas], size)[0]
        return np.where(np.isfinite(out), out, -1e300)

    return log_likelihood


def make_log_likelihood(composed: ComposedModel, data: PointData | None = None, terms=()):
    """Batched, jitted source-plane log-likelihood: ``(k, n) θ → (k,) log L = −χ²/2`` (with the
    extra ``terms`` of :func:`make_source_plane_chi2`)."""
    data = point_data(composed) if data is None else data
    return batched_log_likelihood(make_source_plane_chi2(composed, data, terms))

