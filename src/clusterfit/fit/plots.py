"""Result plots (docs/cli.md): critical curves and caustics with observed and predicted images; corner.

Figures are bare :class:`matplotlib.figure.Figure` objects rendered by the Agg canvas, so nothing here
touches pyplot's global state or the backend. Axes are in arcsec, +x right (West) and +y up (North),
as in the tables.

* :func:`critical_curves` finds the det A = 0 contours of the lensing Jacobian for one source plane on
  a grid over the observed images (the finder itself is :mod:`clusterfit.physics.critical`).
* :func:`plot_critical_curves` draws the image plane (critical curves, observed images filled, predicted
  images open, lens centres) beside the source plane (caustics, model source positions).
* :func:`plot_corner` draws weighted posterior samples with :mod:`corner` (:mod:`.corner_plot`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..model import ComposedModel
from ..physics import critical
from ..physics.critical import CriticalCurves
from .corner_plot import corner_ranges, plot_corner, short_label
from .evaluate import Evaluation

__all__ = ["CriticalCurves", "critical_curves", "critical_curves_of_planes", "figure_planes", "plot_critical_curves",
           "plot_corner",
           "short_label", "corner_ranges", "default_extent"]

_MARKERS = ("o", "s", "D", "^", "v", "P", "X", "*", "<", ">", "h", "p", "d", "8", "H")
Extent = tuple[float, float, float, float]
FIGURE_PLANES = 4
"""Source planes whose critical curves and caustics the figure draws by default (:func:`figure_planes`);
observed images and model sources of every plane are drawn in their redshift's colour regardless."""
GRID_PIXELS = 400
"""Pixels across the critical-curve grid: each contour point is then refined to det A = 0 by Newton
steps, so the grid only has to separate the curves (0.3″ for AS1063's 120″ field; 600 cost 2.2× more)."""


# --- the grid of the critical-curve search -----------------------------------------------------------
def default_extent(composed: ComposedModel, *, minimum: float = 15.0, factor: float = 1.2) -> Extent:
    """Square ``(x_min, x_max, y_min, y_max)`` centred on 0: ``factor`` × the largest |y|, |x| of the
    observed images, at least ``minimum`` arcsec half-width (30″ across)."""
    coords = [abs(v) for ds in composed.model.point_datasets for im in ds.images for v in (im.y, im.x)]
    half = max(minimum, factor * max(coords, default=0.0))
    return (-half, half, -half, half)


def _as_extent(extent: float | Sequence[float] | None, composed: ComposedModel) -> Extent:
    if extent is None:
        return default_extent(composed)
    if np.ndim(extent) == 0:
        h = float(extent)
        return (-h, h, -h, h)
    x0, x1, y0, y1 = (float(v) for v in extent)
    return (x0, x1, y0, y1)


def _grid(composed: ComposedModel, extent, pixel_scale: float | None):
    x0, x1, y0, y1 = _as_extent(extent, composed)
    if pixel_scale is None:
        pixel_scale = max(x1 - x0, y1 - y0) / GRID_PIXELS
    xs = np.arange(x0, x1 + 0.5 * pixel_scale, pixel_scale)
    ys = np.arange(y0, y1 + 0.5 * pixel_scale, pixel_scale)
    return xs, ys, pixel_scale


def critical_curves(composed: ComposedModel, theta, plane: int, *, extent: float | Sequence[float] | None = None,
                    pixel_scale: float | None = None, refine: int = critical.REFINE_STEPS,
                    det_grid: np.ndarray | None = None) -> CriticalCurves:
    """Critical curves (det A = 0) of source plane ``plane`` and their caustics
    (:func:`clusterfit.physics.critical.critical_curves`) at θ.

    The grid covers ``extent`` (half-width, or ``(x_min, x_max, y_min, y_max)``; default
    :func:`default_extent`) at ``pixel_scale`` arcsec (default: ``GRID_PIXELS`` across); ``refine`` Newton
    steps along ∇ det A per contour point. ``det_grid`` (shape (len(ys), len(xs)) of that grid)
    replaces the grid evaluation, e.g. when it is shared between planes (:func:`critical_curves_of_planes`).
    """
    xs, ys, pixel_scale = _grid(composed, extent, pixel_scale)
    return critical.critical_curves(composed.tracer, composed.group_params(theta), plane, xs, ys, pixel_scale,
                                    refine=refine, det_grid=det_grid)


def critical_curves_of_planes(composed: ComposedModel, theta, planes: Sequence[int], *,
                              extent: float | Sequence[float] | None = None, pixel_scale: float | None = None,
                              refine: int = critical.REFINE_STEPS) -> list[CriticalCurves]:
    """:func:`critical_curves` of several source planes (with one lens plane, one Jacobian grid serves
    them all: :func:`clusterfit.physics.critical.critical_curves_of_planes`)."""
    xs, ys, pixel_scale = _grid(composed, extent, pixel_scale)
    return critical.critical_curves_of_planes(composed.tracer, composed.group_params(theta), planes, xs, ys,
                                              pixel_scale, refine=refine)


# --- the critical-curve figure -----------------------------------------------------------------------
def figure_planes(composed: ComposedModel, planes: Sequence[int], most: int = FIGURE_PLANES) -> list[int]:
    """At most ``most`` of ``planes`` (source-plane indices) to draw: all when there are that few, else
    the nearest and the farthest and planes evenly spread between them in redshift order (curves of
    nearby redshifts overlap: AS1063's 18 planes between z 1.2 and 6.1 draw as a few bands)."""
    planes = sorted(set(planes), key=lambda p: composed.layout.plane_redshifts[p])
    if len(planes) <= most:
        return planes
    return [planes[i] for i in np.unique(np.round(np.linspace(0, len(planes) - 1, most)).astype(int))]


def _default_planes(composed: ComposedModel) -> list[int]:
    """The planes :func:`plot_critical_curves` draws by default: :func:`figure_planes` of the point
    datasets' planes, else of every source plane."""
    return figure_planes(composed, composed.dataset_planes or
                         [i for i, z in enumerate(composed.layout.plane_redshifts)
                          if z in composed.layout.source_redshifts])


def compile_figure_kernels(composed: ComposedModel, theta) -> None:
    """Compile the kernels :func:`plot_critical_curves` runs with its defaults at θ's planes, without drawing
    (:func:`clusterfit.physics.critical.compile_kernels`; ``fit`` does this during its search)."""
    theta = np.asarray(theta, float)
    composed = composed.at(theta)
    _, _, pixel_scale = _grid(composed, None, None)
    critical.compile_kernels(composed.tracer, composed.group_params(theta), _default_planes(composed), pixel_scale)


def _lens_centres(composed: ComposedModel, theta) -> tuple[np.ndarray, np.ndarray]:
    """(y, x) of the explicit mass rows and of the scaling-tier members, each shape (n, 2)."""
    main, members = [], []
    for params, group in zip(composed.group_params(theta), composed.groups, strict=True):
        if "y" not in params or "x" not in params:
            continue
        yx = np.stack([np.atleast_1d(np.asarray(params["y"])), np.atleast_1d(np.asarray(params["x"]))], -1)
        (members if group.tier is not None else main).append(yx)
    cat = lambda a: np.concatenate(a) if a else np.empty((0, 2))  # noqa: E731
    return cat(main), cat(members)


def _plane_colours(redshifts: Sequence[float]) -> dict[float, tuple]:
    from matplotlib import colormaps

    cmap = colormaps["plasma"]
    zs = sorted(set(redshifts))
    if len(zs) == 1:
        return {zs[0]: cmap(0.15)}
    return {z: cmap(0.08 + 0.72 * i / (len(zs) - 1)) for i, z in enumerate(zs)}


def plot_critical_curves(composed: ComposedModel, theta, evaluation: Evaluation | None, path: str | Path, *,
                         planes: Sequence[int] | None = None, extent: float | Sequence[float] | None = None,
                         pixel_scale: float | None = None, dpi: int = 130) -> Path:
    """Two-panel PNG: image plane (left) and source plane (right); returns ``path``.

    Left: critical curves of every source plane in ``planes`` (plane indices; default at most
    ``FIGURE_PLANES`` of the point datasets' planes, else of every source plane: :func:`figure_planes`),
    one colour per redshift; observed images as filled
    markers (one marker shape per system, coloured by its redshift), the predicted images of
    ``evaluation`` as open markers of the same shape, lens centres as crosses (scaling-tier members
    small and light). Right: the caustics and the model source positions of ``evaluation``.
    ``extent`` is a half-width or ``(x_min, x_max, y_min, y_max)`` in arcsec (default
    :func:`default_extent`); ``pixel_scale`` the grid step of the critical-curve search.
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    path = Path(path)
    theta = composed.vector_from_tables() if theta is None else np.asarray(theta)
    composed = composed.at(theta)  # free source redshifts: the planes at θ's values
    ext = _as_extent(extent, composed)
    datasets = composed.model.point_datasets
    if planes is None:
        planes = _default_planes(composed)
    curves = critical_curves_of_planes(composed, theta, planes, extent=ext, pixel_scale=pixel_scale)
    zs = composed.layout.plane_redshifts
    colours = _plane_colours([cc.redshift for cc in curves] + [zs[composed.source_planes[ds.name]] for ds in datasets])
    systems = {s.name: s for s in evaluation.systems} if evaluation is not None else {}

    fig = Figure(figsize=(13.5, 6.6), dpi=dpi, layout="constrained")
    ax_i, ax_s = fig.subplots(1, 2, width_ratios=(1.0, 1.0))

    # image plane
    main, members = _lens_centres(composed, theta)
    if len(members):
        ax_i.scatter(members[:, 1], members[:, 0], marker="+", s=18, lw=0.7, c="0.45", zorder=1,
                     label="members")
    if len(main):
        ax_i.scatter(main[:, 1], main[:, 0], marker="x", s=40, lw=1.3, c="k", zorder=2, label="lens centres")
    for cc in curves:
        for k, ln in enumerate(cc.curves):
            ax_i.plot(ln[:, 1], ln[:, 0], "-", lw=1.2, color=colours[cc.redshift], zorder=3,
                      label=f"critical z={cc.redshift:g}" if k == 0 else None)
        for k, ln in enumerate(cc.caustics):
            ax_s.plot(ln[:, 1], ln[:, 0], "-", lw=0.9, color=colours[cc.redshift], zorder=3,
                      label=f"caustic z={cc.redshift:g}" if k == 0 else None)

    system_handles, source_handles = [], []
    src_pts = []
    for i, ds in enumerate(datasets):
        z = zs[composed.source_planes[ds.name]]
        colour, marker = colours[z], _MARKERS[i % len(_MARKERS)]
        oy = np.array([im.y for im in ds.images])
        ox = np.array([im.x for im in ds.images])
        ax_i.scatter(ox, oy, marker=marker, s=46, c=[colour], edgecolors="k", linewidths=0.6, zorder=5)
        sev = systems.get(ds.name)
        label = f"{ds.name} (z={z:g})"
        if sev is not None:
            pred = np.array([(p[0], p[1]) for p in sev.predicted]).reshape(-1, 2)
            if len(pred):
                ax_i.scatter(pred[:, 1], pred[:, 0], marker=marker, s=130, facecolors="none",
                             edgecolors=[colour], linewidths=1.4, zorder=4)
            ax_s.scatter([sev.source_x], [sev.source_y], marker=marker, s=70, c=[colour], edgecolors="k",
                         linewidths=0.6, zorder=5)
            src_pts.append((sev.source_y, sev.source_x))
            source_handles.append(Line2D([], [], ls="", marker=marker, ms=7, mfc=colour, mec="k", mew=0.6,
                                         label=f"{ds.name} (z={z:g})"))
            label += f"  rms {sev.rms_arcsec:.3f}″"
            if sev.n_missing or sev.n_extra:
                label += f"  ({sev.n_missing} missing, {sev.n_extra} extra)"
        system_handles.append(Line2D([], [], ls="", marker=marker, ms=7, mfc=colour, mec="k", mew=0.6,
                                     label=label))
    if systems:
        system_handles.append(Line2D([], [], ls="", marker="o", ms=9, mfc="none", mec="0.3", mew=1.4,
                                     label="predicted (open)"))

    ax_i.set_xlim(ext[0], ext[1])
    ax_i.set_ylim(ext[2], ext[3])
    ax_i.set_aspect("equal")
    ax_i.set_xlabel("x [arcsec]  (West →)")
    ax_i.set_ylabel("y [arcsec]  (North ↑)")
    title = "Image plane"
    if evaluation is not None:
        title += f" — rms {evaluation.rms_arcsec:.3f}″ over {evaluation.n_images} images"
        if evaluation.n_missing or evaluation.n_extra:
            title += f" ({evaluation.n_missing} missing, {evaluation.n_extra} extra)"
    ax_i.set_title(title)
    ax_i.grid(alpha=0.2)
    handles, _ = ax_i.get_legend_handles_labels()
    leg = ax_i.legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.85)
    ax_i.add_artist(leg)
    if system_handles:
        ax_i.legend(handles=system_handles, loc="lower right", fontsize=8, framealpha=0.85)

    # source plane: limits from the caustics and sources, clipped to the image-plane box
    pts = [c for cc in curves for c in cc.caustics] + ([np.array(src_pts)] if src_pts else [])
    if pts:
        allp = np.concatenate(pts)
        allp = allp[np.isfinite(allp).all(1)]
        if len(allp):
            lo, hi = allp.min(0), allp.max(0)
            c = 0.5 * (lo + hi)
            half = 0.55 * max(hi - lo) + 0.5
            half = min(half, 0.5 * max(ext[1] - ext[0], ext[3] - ext[2]))
            ax_s.set_xlim(c[1] - half, c[1] + half)
            ax_s.set_ylim(c[0] - half, c[0] + half)
    ax_s.set_aspect("equal")
    ax_s.set_xlabel("β_x [arcsec]")
    ax_s.set_ylabel("β_y [arcsec]")
    ax_s.set_title("Source plane — caustics and model sources")
    ax_s.grid(alpha=0.2)
    if ax_s.get_legend_handles_labels()[0]:
        ax_s.add_artist(ax_s.legend(loc="upper left", fontsize=8, framealpha=0.85))
    if source_handles:
        ax_s.legend(handles=source_handles, loc="lower right", fontsize=8, framealpha=0.85,
                    title="model sources", title_fontsize=8)

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight", pad_inches=0.15)
    return path
