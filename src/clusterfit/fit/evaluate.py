"""Evaluate a model folder against its ``point_datasets.csv`` without fitting (docs/cli.md).

Per source: map the observed images to the source plane and take as source position the β that
minimises the linearised image-plane χ² (:func:`.source.optimal_source`, the one the likelihood
uses); then solve for every image of it, pair observed with predicted
images (:mod:`.pairing`) and report the image-plane rms √(mean |Δθ|²) in arcsec and
χ² = Σ |Δθ|²/σ², with missing and extra images counted.

A *missing* image is an observed image with no predicted image of its own: the model predicts fewer
images than observed (every image of a system, when it predicts none, e.g. below
``SolverConfig.magnification_threshold``), or, for ``source="lenstool"``, Lenstool's local search
does not find it. Whatever the source, a missing image is counted in ``n_missing``, marked
``found: false`` in ``images``, and left out of the χ² and of the rms, numerator and denominator.

``source="lenstool"`` is Lenstool's own image-plane χ² (``Chi2pos`` of ``forme -2``; lenstool
``o_chi.c:chi2_img``, docs/lenstool.md): β = the barycentre of the traced images weighted by their
magnifications |μ_i| (:func:`lenstool_source`), and each observed image is compared with the image of β
that a local triangle search started at it reaches (:func:`.lenstool_walk.lenstool_local_images`), not with a
one-to-one pairing of all solved images.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import jax
import numpy as np

from ..chunked import chunked_map
from ..compiled import compiled
from ..model import ComposedModel, compose
from ..physics.solver import Images, SolverConfig, make_image_solver
from ..tables import ClusterModel
from .lenstool_walk import lenstool_local_images
from .pairing import pair_images
from .source import optimal_source, source_precision

__all__ = ["SystemEvaluation", "Evaluation", "evaluate_model", "lenstool_source",
           "SOURCES", "image_residuals"]

SOURCES = ("optimal", "barycentre", "lenstool")


@dataclass(frozen=True)
class SystemEvaluation:
    """One source at θ: its observed and predicted images (y, x, magnification), their pairing, rms
    (arcsec) and χ², the source position used, missing and extra images, and the optional time-delay and
    flux terms."""

    name: str
    redshift: float
    n_images: int
    rms_arcsec: float
    chi2: float
    source_y: float
    source_x: float
    predicted: list[tuple[float, float, float]]  # (y, x, magnification)
    n_missing: int
    n_extra: int
    images: list[dict] = field(default_factory=list)  # per observed image: see image_residuals
    # days, per predicted image, relative to the one paired with the first observed image (else the
    # first predicted); None when the profiles have no potential
    time_delays: list[float] | None = None
    partner: list[int] | None = None  # per observed image, the index of its predicted image (-1: none)
    time_delay_chi2: float | None = None  # Σ (Δt_pred − Δt_obs)²/σ² over paired images with time_delay
    flux_chi2: float | None = None  # Σ (F_s|μ| − f)²/σ² with F_s the least-squares source flux

    @property
    def parity(self) -> list[int]:
        """±1 per predicted image (sign of the magnification)."""
        return [1 if m > 0 else -1 for _, _, m in self.predicted]


@dataclass(frozen=True)
class Evaluation:
    """A model at θ against every point dataset: image-plane rms (arcsec) and χ² over all systems, image,
    missing and extra counts, and each :class:`SystemEvaluation`."""

    rms_arcsec: float
    chi2: float
    n_images: int
    n_missing: int
    n_extra: int
    systems: list[SystemEvaluation]

    def to_json(self, sky_reference=None) -> dict:
        """A JSON-able dict; with a ``SkyReference`` each system also has ``predicted_radec``
        (RA, Dec in degrees per predicted image, :mod:`clusterfit.tables.sky`)."""
        out = asdict(self)
        for s, js in zip(self.systems, out["systems"], strict=True):
            js["parity"] = s.parity
            if sky_reference is not None and s.predicted:
                from ..tables.sky import sky_from_offsets

                ra, dec = sky_from_offsets(sky_reference, [p[0] for p in s.predicted], [p[1] for p in s.predicted])
                js["predicted_radec"] = [[float(a), float(d)] for a, d in zip(ra, dec, strict=True)]
        return out


def lenstool_source(by, bx, det_a) -> tuple[float, float]:
    """Lenstool's source of one system for its image-plane ``Chi2pos``: the barycentre of the traced
    observed images β_i (arcsec, (y, x)) weighted by their magnifications |μ_i| = 1/|det A_i| (``det_a``
    at the observed images), β = Σ |μ_i| β_i / Σ |μ_i|.

    This is what reproduces the ``#Chi2pos`` that Lenstool wrote for the published HFF runs (``forme -2``)
    to 0.1–0.7 % (docs/lenstool.md, "Image-plane χ²"); the plain mean (``bcentlist``, which the
    Lenstool-HPC copy of ``chi2_img`` calls) gives up to 26 % more, √|μ| weights (``weight_baryc``) 7 %."""
    w = 1.0 / np.abs(np.asarray(det_a, float))
    return (float(np.sum(w * np.asarray(by)) / np.sum(w)), float(np.sum(w * np.asarray(bx)) / np.sum(w)))


def evaluate_model(model: ClusterModel | ComposedModel, theta=None,
                   config: SolverConfig | None = None, source: str = "optimal") -> Evaluation:
    """Image-plane rms and χ² of ``model`` (table values, or θ) against its point datasets.

    ``source``: ``"optimal"`` (the β minimising the linearised image-plane χ², see the module
    docstring), ``"barycentre"`` (the plain mean of the traced images, then the same solve and
    one-to-one pairing) or ``"lenstool"`` (Lenstool's ``Chi2pos``: the |μ|-weighted mean
    (:func:`lenstool_source`), and per observed image the image of it that Lenstool's local search
    finds; an image it does not find is counted in ``n_missing``, left out of χ² and rms, and would make
    Lenstool reject the model; ``predicted`` holds the found image of each observed one, in order, and
    ``n_extra`` is 0). With σ = ``sigposArcsec``, ``chi2`` is what Lenstool writes as ``#Chi2pos`` for
    ``forme -2`` (docs/lenstool.md)."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(map(repr, SOURCES))}, not {source!r}")
    composed = model if isinstance(model, ComposedModel) else compose(model)
    datasets = composed.model.point_datasets
    if not datasets:
        raise ValueError("the folder has no point_datasets.csv to evaluate against; run simulate, or add "
                         "the observed images (name,y,x,positions_noise[,redshift])")
    theta = composed.vector_from_tables() if theta is None else np.asarray(theta)
    composed = composed.at(theta)  # free source redshifts: the planes at θ's values
    params = composed.group_params(theta)
    solver = make_image_solver(composed.tracer, config)
    by_plane: dict[int, list] = {}
    for ds in datasets:
        by_plane.setdefault(composed.plane_of(ds), []).append(ds)
    sources, traced = {}, {}
    requests = []
    # every observed image traced to its plane, with its Jacobian: one jitted call for all of them
    order = [ds for group in by_plane.values() for ds in group]
    all_y = np.concatenate([[im.y for im in ds.images] for ds in order])
    all_x = np.concatenate([[im.x for im in ds.images] for ds in order])
    all_p = np.concatenate([[composed.plane_of(ds)] * len(ds.images) for ds in order])
    traced_all = trace_points(composed.tracer, params, all_y, all_x, all_p)
    offset = 0
    for plane, group in by_plane.items():
        n = sum(len(ds.images) for ds in group)
        by, bx, a_yy, a_yx, a_xy, a_xx = (v[offset:offset + n] for v in traced_all)
        offset += n
        det = a_yy * a_xx - a_yx * a_xy
        sig = np.concatenate([ds.positions_noise for ds in group])
        system = np.concatenate([[k] * len(ds.images) for k, ds in enumerate(group)])
        best = optimal_source(by, bx, source_precision(a_yy, a_yx, a_xy, a_xx, sig), system, len(group))
        start = 0
        for k, ds in enumerate(group):
            sl = slice(start, start + len(ds.images))
            if source == "optimal":
                sources[ds.name] = (plane, float(best.y[k]), float(best.x[k]))
            elif source == "lenstool":
                sources[ds.name] = (plane, *lenstool_source(by[sl], bx[sl], det[sl]))
            else:
                sources[ds.name] = (plane, float(by[sl].mean()), float(bx[sl].mean()))
            traced[ds.name] = (by[sl], bx[sl], det[sl])
            start += len(ds.images)
        requests.append(([sources[d.name][1] for d in group], [sources[d.name][2] for d in group], plane))
    if source == "lenstool":
        return _lenstool_evaluation(composed, params, datasets, sources, traced)
    for group, solved in zip(by_plane.values(), solver.solve_planes(params, requests), strict=True):
        for ds, images in zip(group, solved, strict=True):
            sources[ds.name] = (*sources[ds.name], images)
    systems = []
    times = _arrival_times(composed.tracer, params, [sources[ds.name] for ds in datasets])
    for ds, t in zip(datasets, times, strict=True):
        plane, sy, sx, images = sources[ds.name]
        oy = np.array([im.y for im in ds.images])
        ox = np.array([im.x for im in ds.images])
        sigma = np.array(ds.positions_noise)
        pairing = pair_images(oy, ox, images.y, images.x)
        found = ~pairing.missing
        delays, td_chi2, f_chi2 = _delays_and_fluxes(t, images, pairing, ds)
        systems.append(SystemEvaluation(
            ds.name, composed.layout.plane_redshifts[plane], len(oy),
            *_rms_chi2(oy - pairing.dy, ox - pairing.dx, oy, ox, sigma, found), float(sy), float(sx),
            [(float(a), float(b), float(m)) for a, b, m in zip(images.y, images.x, images.magnification,
                                                              strict=True)],
            int(pairing.missing.sum()), int(len(pairing.extra)),
            image_residuals(ds, oy - pairing.dy, ox - pairing.dx, found), delays,
            [int(i) for i in pairing.partner], td_chi2, f_chi2))
    return _total(systems)


_POINT_CHUNK = 256  # points per call of the per-image kernels (observed and predicted images)


def compile_kernels(composed: ComposedModel, theta) -> None:
    """Compile the kernels :func:`evaluate_model` runs for ``composed`` (the observed images' trace, the image
    solver's, the arrival times) by calling each on one chunk of dummy points: their shapes do not depend
    on θ or on the images (``fit`` does this during its search, :mod:`.warmup`)."""
    theta = np.asarray(theta, float)
    composed = composed.at(theta)
    params = composed.group_params(theta)
    plane = composed.plane_of(composed.model.point_datasets[0])
    trace_points(composed.tracer, params, [0.0], [1.0], [plane])
    make_image_solver(composed.tracer).compile_kernels(params, plane)
    one = np.ones(1)
    _arrival_times(composed.tracer, params, [(plane, 0.0, 0.0, Images(0 * one, one, one, one, 0 * one))])


def trace_points(tracer, params, y, x, plane) -> tuple[np.ndarray, ...]:
    """``(β_y, β_x, A_yy, A_yx, A_xy, A_xx)`` at image-plane points (arcsec), each traced to its own
    ``plane``: one jitted kernel per tracer (:mod:`clusterfit.compiled`), chunks of one shape."""
    kernel = compiled(tracer, "trace_jacobian", lambda: jax.jit(_trace_jacobian(tracer)))
    return chunked_map(lambda yy, xx, pp: kernel(params, yy, xx, pp),
                       (np.asarray(y, float), np.asarray(x, float), np.asarray(plane, int)), _POINT_CHUNK)


def _trace_jacobian(tracer):
    def kernel(params, y, x, plane):  # the tracer's Jacobian: analytic with one lens plane, else jvp
        by, bx = tracer.ray_trace(params, y, x, plane)
        a = tracer.jacobian(params, y, x, plane)
        return by, bx, a.yy, a.yx, a.xy, a.xx

    return kernel


def _arrival_times(tracer, params, solved) -> list[np.ndarray | None]:
    """Arrival times (days) of the predicted images of each ``(plane, β_y, β_x, images)`` in
    ``solved``, all in one jitted call; Nones when the profiles have no potential."""
    counts = [len(images.y) for *_, images in solved]
    if not sum(counts):
        return [None] * len(solved)
    y = np.concatenate([images.y for *_, images in solved])
    x = np.concatenate([images.x for *_, images in solved])
    plane, sy, sx = (np.concatenate([np.full(n, v[k]) for v, n in zip(solved, counts, strict=True)])
                     for k in range(3))
    kernel = compiled(tracer, "arrival_time", lambda: jax.jit(tracer.arrival_time))
    try:
        (t,) = chunked_map(lambda *c: (kernel(params, *c),), (y, x, plane.astype(int), sy, sx), _POINT_CHUNK)
    except KeyError:  # no potential for some profile
        return [None] * len(solved)
    return np.split(t, np.cumsum(counts)[:-1])


def _delays_and_fluxes(t, images, pairing, ds):
    """Predicted time delays (days; see :class:`SystemEvaluation`) from the arrival times ``t`` of
    ``images`` (None: no potential), and the χ² of the observed ``time_delay`` and ``flux`` columns
    against them (None where the column is absent)."""
    n = len(images.y)
    delays = td_chi2 = f_chi2 = None
    if n and t is not None:
        ref = pairing.partner[0] if len(pairing.partner) and pairing.partner[0] >= 0 else 0
        delays = [float(v) for v in t - t[ref]]
    ok = pairing.partner >= 0
    if delays is not None and ds.images[0].time_delay is not None and ok.any():
        obs = np.array([im.time_delay for im in ds.images])
        sig = np.array([im.time_delay_noise or 1.0 for im in ds.images])
        pred = np.array(delays)[pairing.partner[ok]]
        # delays are differences: compare both relative to the first paired observed image
        k = np.flatnonzero(ok)[0]
        o = obs[ok] - obs[k]
        p = pred - pred[0]
        td_chi2 = float(np.sum(((p - o) / sig[ok]) ** 2))
    if ds.images[0].flux is not None and ok.any():
        f = np.array([im.flux for im in ds.images])[ok]
        sig = np.array([im.flux_noise or 1.0 for im in ds.images])[ok]
        mu = np.abs(images.magnification[pairing.partner[ok]])
        fs = np.sum(f * mu / sig**2) / np.sum(mu**2 / sig**2)
        f_chi2 = float(np.sum(((fs * mu - f) / sig) ** 2))
    return delays, td_chi2, f_chi2


def _rms_chi2(pred_y, pred_x, obs_y, obs_x, sigma, found) -> tuple[float, float]:
    """(rms, χ²) of one system over its ``found`` images (the rule for a missing image, module
    docstring); rms NaN when none was found."""
    d2 = ((np.asarray(pred_y) - obs_y) ** 2 + (np.asarray(pred_x) - obs_x) ** 2)[found]
    return (float(np.sqrt(d2.mean())) if found.any() else float("nan"),
            float(np.sum(d2 / np.asarray(sigma)[found] ** 2)))


def _total(systems: list[SystemEvaluation]) -> Evaluation:
    """Sum the systems; the rms is over every found image (a missing one is in neither sum)."""
    d2 = [im["distance"] ** 2 for s in systems for im in s.images if im["found"]]
    return Evaluation(float(np.sqrt(np.mean(d2))) if d2 else float("nan"), float(sum(s.chi2 for s in systems)),
                      sum(s.n_images for s in systems), sum(s.n_missing for s in systems),
                      sum(s.n_extra for s in systems), systems)


def image_residuals(ds, pred_y, pred_x, found) -> list[dict]:
    """Per observed image of dataset ``ds``, laid out like Lenstool's ``chires.dat``: ``system``, ``id``
    (``<system>.<k>``, k its order in the dataset), ``source`` (the file:line it came from), ``z``,
    observed ``y, x``, predicted ``y_pred, x_pred`` (None when no image was found), ``dy, dx`` =
    predicted − observed, ``distance`` = |Δθ| and ``chi2`` = |Δθ|²/σ² (arcsec; σ its
    ``positions_noise``; None when not found)."""
    root = ds.name[len("point_"):] if ds.name.startswith("point_") else ds.name
    out = []
    for k, (im, py, px, ok) in enumerate(zip(ds.images, pred_y, pred_x, found, strict=True), start=1):
        ok = bool(ok) and bool(np.isfinite(py) and np.isfinite(px))
        dy, dx = (float(py - im.y), float(px - im.x)) if ok else (None, None)
        out.append({"system": ds.name, "id": f"{root}.{k}", "source": str(im.source), "z": im.redshift,
                    "y": im.y, "x": im.x, "y_pred": float(py) if ok else None,
                    "x_pred": float(px) if ok else None, "dy": dy, "dx": dx,
                    "distance": float(np.hypot(dy, dx)) if ok else None,
                    "chi2": float((dy**2 + dx**2) / im.positions_noise**2) if ok else None,
                    "found": ok})
    return out


def dist_min(y, x) -> float:
    """Smallest separation between the images of one system, capped at 15″ (Lenstool ``dist_min``)."""
    d = np.hypot(np.subtract.outer(y, y), np.subtract.outer(x, x))
    d = d[np.triu_indices(len(d), 1)]
    return float(min(d.min(initial=1000.0), 15.0))


def _lenstool_evaluation(composed: ComposedModel, params, datasets, sources, traced) -> Evaluation:
    """Lenstool's ``chi2_img`` with β = the sources in ``sources`` (:func:`lenstool_source`; see
    :func:`evaluate_model`)."""
    plane = np.concatenate([[sources[ds.name][0]] * len(ds.images) for ds in datasets])
    oy = np.concatenate([[im.y for im in ds.images] for ds in datasets])
    ox = np.concatenate([[im.x for im in ds.images] for ds in datasets])
    sy, sx = (np.concatenate([[sources[ds.name][k]] * len(ds.images) for ds in datasets]) for k in (1, 2))
    ty, tx, det = (np.concatenate([traced[ds.name][k] for ds in datasets]) for k in range(3))
    dmin = np.concatenate([[dist_min([im.y for im in ds.images], [im.x for im in ds.images])]
                           * len(ds.images) for ds in datasets])
    trace = compiled(composed.tracer, "ray_trace", lambda: jax.jit(composed.tracer.ray_trace))  # the solver's

    def to_source(y, x):  # (n, k) → (n, k); the tracer takes flat arrays
        by, bx = trace(params, y.ravel(), x.ravel(), np.repeat(plane, y.shape[1]))
        return np.asarray(by).reshape(y.shape), np.asarray(bx).reshape(y.shape)

    found = lenstool_local_images(oy, ox, sy, sx, ty, tx, det, dmin, to_source)
    _, _, a_yy, a_yx, a_xy, a_xx = trace_points(composed.tracer, params, found.y, found.x, plane)
    mu = 1.0 / (a_yy * a_xx - a_yx * a_xy)
    systems, start = [], 0
    for ds in datasets:
        sl = slice(start, start + len(ds.images))
        start = sl.stop
        ok = found.found[sl]
        systems.append(SystemEvaluation(
            ds.name, composed.layout.plane_redshifts[sources[ds.name][0]], len(ds.images),
            *_rms_chi2(found.y[sl], found.x[sl], oy[sl], ox[sl], ds.positions_noise, ok),
            float(sources[ds.name][1]), float(sources[ds.name][2]),
            [(float(a), float(b), float(m)) for a, b, m in zip(found.y[sl][ok], found.x[sl][ok], mu[sl][ok],
                                                              strict=True)],
            int((~ok).sum()), 0, image_residuals(ds, found.y[sl], found.x[sl], ok)))
    return _total(systems)
