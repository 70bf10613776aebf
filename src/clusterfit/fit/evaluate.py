"""Evaluate a model folder against its ``point_datasets.csv`` without fitting (DESIGN.md §5).

Per source: map the observed images to the source plane and take as source position the β that
minimises the linearised image-plane χ², Σ_i |A_i⁻¹(β − β_i)|²/σ_i² (A_i the lensing Jacobian at
image i): β = (Σ M_i)⁻¹ Σ M_i β_i with M_i = A_i⁻ᵀ A_i⁻¹/σ_i². This is Lenstool's barycentre weighted
by each image's source-plane precision; then solve for every image of it, pair observed with predicted
images (:mod:`.pairing`) and report the image-plane rms √(mean |Δθ|²) in arcsec and
χ² = Σ |Δθ|²/σ², with missing and extra images counted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..model import ComposedModel, compose
from ..physics.solver import SolverConfig, make_image_solver
from ..tables import ClusterModel
from .pairing import pair_images

__all__ = ["SystemEvaluation", "Evaluation", "evaluate_model", "optimal_source"]


@dataclass(frozen=True)
class SystemEvaluation:
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


@dataclass(frozen=True)
class Evaluation:
    rms_arcsec: float
    chi2: float
    n_images: int
    n_missing: int
    n_extra: int
    systems: list[SystemEvaluation]

    def to_json(self) -> dict:
        return asdict(self)


def optimal_source(by, bx, jacobians, sigma) -> tuple[float, float]:
    """β minimising Σ_i |A_i⁻¹(β − β_i)|²/σ_i² (linear least squares; see the module docstring).
    ``jacobians`` has shape (n, 2, 2) in (y, x) order."""
    inv = np.linalg.inv(jacobians)
    m = np.einsum("nji,njk->nik", inv, inv) / np.asarray(sigma)[:, None, None] ** 2
    b = np.stack([by, bx], -1)
    beta = np.linalg.solve(m.sum(0), np.einsum("nij,nj->i", m, b))
    return float(beta[0]), float(beta[1])


def evaluate_model(model: ClusterModel | ComposedModel, theta=None,
                   config: SolverConfig | None = None, source: str = "optimal") -> Evaluation:
    """Image-plane rms and χ² of ``model`` (table values, or θ) against its point datasets.

    ``source``: ``"optimal"`` (the β minimising the linearised image-plane χ², see the module
    docstring) or ``"barycentre"`` (the plain mean of the traced images, as Lenstool's image-plane χ²
    does; use it to compare with a Lenstool ``Chi2pos``)."""
    if source not in ("optimal", "barycentre"):
        raise ValueError(f"source must be 'optimal' or 'barycentre', not {source!r}")
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
    sources = {}
    requests = []
    for plane, group in by_plane.items():
        ys = np.concatenate([[im.y for im in ds.images] for ds in group])
        xs = np.concatenate([[im.x for im in ds.images] for ds in group])
        sig = np.concatenate([ds.positions_noise for ds in group])
        by, bx = (np.asarray(v) for v in composed.source_plane_yx(theta, ys, xs, plane))
        jac = composed.tracer.jacobian(params, ys, xs, plane)
        start = 0
        for ds in group:
            sl = slice(start, start + len(ds.images))
            a = np.stack([np.stack([jac.yy[sl], jac.yx[sl]], -1), np.stack([jac.xy[sl], jac.xx[sl]], -1)], -2)
            if source == "optimal":
                sources[ds.name] = (plane, *optimal_source(by[sl], bx[sl], np.asarray(a), sig[sl]))
            else:
                sources[ds.name] = (plane, float(by[sl].mean()), float(bx[sl].mean()))
            start += len(ds.images)
        requests.append(([sources[d.name][1] for d in group], [sources[d.name][2] for d in group], plane))
    for group, solved in zip(by_plane.values(), solver.solve_planes(params, requests), strict=True):
        for ds, images in zip(group, solved, strict=True):
            sources[ds.name] = (*sources[ds.name], images)
    systems = []
    for ds in datasets:
        plane, sy, sx, images = sources[ds.name]
        oy = np.array([im.y for im in ds.images])
        ox = np.array([im.x for im in ds.images])
        sigma = np.array(ds.positions_noise)
        pairing = pair_images(oy, ox, images.y, images.x)
        d2 = pairing.dy**2 + pairing.dx**2
        d2 = np.where(np.isfinite(d2), d2, np.nan)
        systems.append(SystemEvaluation(
            ds.name, composed.layout.plane_redshifts[plane], len(oy),
            float(np.sqrt(np.nanmean(d2))) if np.isfinite(d2).any() else float("nan"),
            float(np.nansum(d2 / sigma**2)), float(sy), float(sx),
            [(float(a), float(b), float(m)) for a, b, m in zip(images.y, images.x, images.magnification,
                                                              strict=True)],
            int(pairing.missing.sum()), int(len(pairing.extra))))
    n = sum(s.n_images for s in systems)
    total_d2 = sum(s.rms_arcsec**2 * s.n_images for s in systems if np.isfinite(s.rms_arcsec))
    return Evaluation(float(np.sqrt(total_d2 / n)), float(sum(s.chi2 for s in systems)), n,
                      sum(s.n_missing for s in systems), sum(s.n_extra for s in systems), systems)
