"""Simulated CCD imaging of a cluster model: lens light + lensed source light, PSF, sky, noise.

Conventions (PyAutoLens's ``SimulatorImaging``, ``autolens.SimulatorImaging``):

* **Grid.** A ``(ny, nx)`` array of square pixels of side ``pixel_scale`` (arcsec) centred on
  ``centre = (y, x)`` (arcsec). In memory row 0 is the *top* of the image (largest y) and column 0 the
  left (smallest x), as PyAutoLens's ``Array2D.native``: pixel ``(i, j)`` is centred on
  ``y = cy + (ny/2 − ½ − i) s``, ``x = cx + (j − nx/2 + ½) s`` (:func:`pixel_centres`).
  FITS files are written flipped up–down (:func:`.imaging_io.write_imaging`), so that FITS row 1 is the
  bottom, the orientation of ds9 and of ``autoarray``'s ``flip_for_ds9``; ``read_imaging`` flips back.
* **Surface brightness.** Profile intensities are read as e⁻ s⁻¹ per pixel, as PyAutoGalaxy's
  ``image_2d_from`` (the profile value at a position, no pixel-area factor). Each pixel's value is the
  mean over ``sub_size × sub_size`` sub-pixels (PyAutoLens's ``OverSampling`` with a uniform sub size).
* **Lensing.** Every ``light.csv`` row belongs to a galaxy with a redshift. Rows on plane 0 of the
  tracer (or in front of it) are evaluated at the image-plane sub-pixels; rows on a later plane
  (a background source, or a lens galaxy on a later lens plane) are evaluated at the sub-pixels
  ray-traced to that plane. Rows of the same class on one plane are summed in one vectorised call.
* **Instrument.** The noiseless image is convolved with the PSF (normalised to sum 1) over a padded grid
  (so light just outside the field is blurred in), then ``background_sky`` (e⁻ s⁻¹ per pixel) is added;
  counts ``C ~ Poisson((image + sky) t)`` plus Gaussian read noise of ``read_noise`` e⁻; the data are
  ``C / t − sky`` (sky-subtracted, e⁻ s⁻¹) and the noise map is
  ``√((image + sky) t + read_noise²) / t`` (e⁻ s⁻¹), from the noiseless image.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import jax
import jax.numpy as jnp
import numpy as np

from clusterfit.chunked import chunked_map
from clusterfit.compiled import compiled
from clusterfit.physics.functions import profile_function

__all__ = [
    "ImagingConfig",
    "Imaging",
    "gaussian_psf",
    "pixel_centres",
    "field_extent",
    "resolve_config",
    "render_surface_brightness",
    "simulate_imaging",
]

BUNIT = "e-/s"
"""Unit of ``data``, ``noise_map`` and ``model_image``: electrons per second per pixel."""

_CHUNK = 1 << 16  # positions per jitted call (fixed, so each plane compiles once)
_MAX_ELEMENTS = 1 << 24  # cap on (profiles × positions) of one call's intermediate arrays


@dataclass(frozen=True)
class ImagingConfig:
    """Instrument and grid of a simulated image.

    ``shape``: ``(ny, nx)`` pixels. ``pixel_scale``: arcsec per pixel; ``None`` derives it from the
    model so that the field covers every lensed image (:func:`resolve_config`). ``centre``: ``(y, x)``
    arcsec of the field centre. ``psf_sigma``: σ (arcsec) of a circular Gaussian PSF, integrated over
    each pixel, of odd size ``psf_shape`` (``None``: ``2⌈4σ/s⌉ + 1`` pixels, at least 3); or ``psf``:
    a given odd-shaped kernel (normalised on use; overrides ``psf_sigma``). ``background_sky``:
    e⁻ s⁻¹ per pixel. ``exposure_time``: seconds. ``read_noise``: e⁻ per pixel (Gaussian σ).
    ``sub_size``: sub-pixels per pixel side used to average the surface brightness. ``noise``: ``False``
    gives ``data == model_image`` (the noise map is still computed).
    """

    shape: tuple[int, int] = (200, 200)
    pixel_scale: float | None = None
    centre: tuple[float, float] = (0.0, 0.0)
    psf_sigma: float = 0.1
    psf_shape: tuple[int, int] | None = None
    psf: np.ndarray | None = field(default=None, compare=False, repr=False)
    background_sky: float = 0.1
    exposure_time: float = 1000.0
    read_noise: float = 5.0
    sub_size: int = 4
    noise: bool = True

    def __post_init__(self) -> None:
        ny, nx = self.shape
        if ny < 1 or nx < 1:
            raise ValueError(f"shape {self.shape}: needs at least one pixel per axis")
        if self.pixel_scale is not None and not self.pixel_scale > 0:
            raise ValueError(f"pixel_scale {self.pixel_scale}: must be > 0 (arcsec)")
        if not self.psf_sigma >= 0:
            raise ValueError(f"psf_sigma {self.psf_sigma}: must be >= 0 (arcsec)")
        if self.psf is not None:
            k = np.asarray(self.psf)
            if k.ndim != 2 or k.shape[0] % 2 == 0 or k.shape[1] % 2 == 0:
                raise ValueError(f"psf kernel of shape {k.shape}: must be 2-D with odd sides")
            if not np.isfinite(k).all() or not k.sum() > 0:
                raise ValueError("psf kernel: must be finite with a positive sum")
        if self.psf_shape is not None and any(n < 1 or n % 2 == 0 for n in self.psf_shape):
            raise ValueError(f"psf_shape {self.psf_shape}: sides must be odd and >= 1")
        if not self.exposure_time > 0:
            raise ValueError(f"exposure_time {self.exposure_time}: must be > 0 (s)")
        if self.background_sky < 0 or self.read_noise < 0:
            raise ValueError("background_sky and read_noise must be >= 0")
        if self.sub_size < 1:
            raise ValueError(f"sub_size {self.sub_size}: must be >= 1")

    def kernel(self) -> np.ndarray:
        """The PSF kernel, normalised to sum 1 (needs a resolved ``pixel_scale`` when Gaussian)."""
        if self.psf is not None:
            k = np.asarray(self.psf, dtype=float)
            return k / k.sum()
        if self.pixel_scale is None:
            raise ValueError(
                "a Gaussian PSF needs pixel_scale; call resolve_config(composed, config)"
            )
        return gaussian_psf(self.psf_sigma, self.pixel_scale, self.psf_shape)


@dataclass(frozen=True)
class Imaging:
    """A simulated image (numpy arrays, row 0 at the top; e⁻ s⁻¹ per pixel).

    ``data``: sky-subtracted noisy image; ``noise_map``: 1σ per pixel; ``psf``: kernel (sum 1);
    ``model_image``: the noiseless PSF-convolved image (no sky); ``config``: the resolved config
    (``pixel_scale`` set); ``seed``: the seed of the noise.
    """

    data: np.ndarray
    noise_map: np.ndarray
    psf: np.ndarray
    model_image: np.ndarray
    config: ImagingConfig
    seed: int | None = None

    @property
    def pixel_scale(self) -> float:
        return float(self.config.pixel_scale)

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.data.shape)  # type: ignore[return-value]

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(x_min, x_max, y_min, y_max)`` of the pixel edges (arcsec), for ``imshow``."""
        return field_extent(self.config)


# --- grid and PSF -----------------------------------------------------------------------------------
def pixel_centres(
    shape: tuple[int, int],
    pixel_scale: float,
    centre: tuple[float, float] = (0.0, 0.0),
    sub_size: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """``(y, x)`` arcsec of the (sub-)pixel centres, each of shape ``(ny·sub, nx·sub)``, row 0 at the top.

    With ``sub_size`` > 1 the pixel ``(i, j)`` holds the sub-pixels
    ``[i·sub:(i+1)·sub, j·sub:(j+1)·sub]``.
    """
    ny, nx = shape
    step = pixel_scale / sub_size
    ys = centre[0] + (ny * sub_size / 2.0 - 0.5 - np.arange(ny * sub_size)) * step
    xs = centre[1] + (np.arange(nx * sub_size) - nx * sub_size / 2.0 + 0.5) * step
    return np.meshgrid(ys, xs, indexing="ij")


def gaussian_psf(
    sigma: float, pixel_scale: float, shape: tuple[int, int] | None = None, sub: int = 11
) -> np.ndarray:
    """Circular Gaussian PSF of σ ``sigma`` (arcsec), averaged over each pixel on a ``sub × sub``
    sub-grid and normalised to sum 1. ``shape`` odd (default ``2⌈4σ/s⌉ + 1``, at least 3).
    ``sigma = 0`` gives a delta function."""
    if shape is None:
        half = max(1, int(np.ceil(4.0 * sigma / pixel_scale)))
        shape = (2 * half + 1, 2 * half + 1)
    if sigma == 0:
        k = np.zeros(shape)
        k[shape[0] // 2, shape[1] // 2] = 1.0
        return k
    y, x = pixel_centres(shape, pixel_scale, (0.0, 0.0), sub)
    k = np.exp(-0.5 * (y**2 + x**2) / sigma**2)
    k = k.reshape(shape[0], sub, shape[1], sub).mean(axis=(1, 3))
    return k / k.sum()


def field_extent(config: ImagingConfig) -> tuple[float, float, float, float]:
    """``(x_min, x_max, y_min, y_max)`` of the pixel edges of ``config``'s field (arcsec)."""
    ny, nx = config.shape
    s = config.pixel_scale
    cy, cx = config.centre
    return (cx - nx * s / 2, cx + nx * s / 2, cy - ny * s / 2, cy + ny * s / 2)


# --- surface brightness -----------------------------------------------------------------------------
def _light_groups(composed) -> dict[int | None, dict[str, dict[str, np.ndarray]]]:
    """Light rows grouped by plane (``None``: unlensed, in front of every plane) then class → arrays."""
    model = composed.model
    layout = composed.layout
    z_first = layout.plane_redshifts[0]
    rows_by: dict[int | None, dict[str, list]] = {}
    for row in model.light:
        z = model.galaxies[row.galaxy].redshift
        if z is None:
            z = row.redshift
        if z is None or z < z_first - 1e-10 * max(1.0, z_first):
            plane = None
        else:
            try:
                plane = layout.plane_index(z)
            except ValueError as err:
                raise ValueError(
                    f"{row.source}: light of galaxy {row.galaxy!r} at z={z} lies behind a "
                    "lens plane but on no plane of the tracer; give it a lens-plane "
                    "redshift or one above every lens"
                ) from err
            if plane == 0:
                plane = None
        rows_by.setdefault(plane, {}).setdefault(row.profile_class, []).append(row)
    out: dict[int | None, dict[str, dict[str, np.ndarray]]] = {}
    for plane, classes in rows_by.items():
        out[plane] = {}
        for cls, rows in classes.items():
            cols = sorted({c for r in rows for c, v in r.values.items() if v is not None})
            params = {}
            for c in cols:
                vals = [r.values.get(c) for r in rows]
                if any(v is None for v in vals):
                    missing = next(r for r in rows if r.values.get(c) is None)
                    raise ValueError(
                        f"{missing.source}: light row {missing.galaxy}.{missing.attr_name} "
                        f"has no value for {c!r}; imaging needs every light cell filled"
                    )
                params[c] = np.asarray(vals, dtype=float)
            out[plane][cls] = params
    return out


def _make_kernel(composed, plane: int | None, classes: Sequence[str]):
    """Jitted ``(group_params, light_params, y, x) -> light``, owned by the composed model
    (:mod:`clusterfit.compiled`)."""
    return compiled(composed, ("light", plane, tuple(classes)), lambda: _build_kernel(composed, plane, classes))


def _build_kernel(composed, plane: int | None, classes: Sequence[str]):
    fns = [profile_function(c, "intensity") for c in classes]
    ray_trace = composed.tracer.ray_trace

    def kernel(group_params, light_params, y, x):
        if plane is not None:
            y, x = ray_trace(group_params, y, x, plane)
        total = jnp.zeros_like(y)
        for fn, p in zip(fns, light_params, strict=True):
            total = total + fn(p, y, x)
        return total

    return jax.jit(kernel)


def render_surface_brightness(
    composed, y: np.ndarray, x: np.ndarray, theta=None, planes: str = "all"
) -> np.ndarray:
    """Summed light (e⁻ s⁻¹ per pixel) at image-plane positions ``(y, x)`` (arcsec), any shape.

    ``theta``: the free-parameter vector (default ``composed.vector_from_tables()``).
    ``planes``: ``"all"``, ``"lens"`` (unlensed rows, on plane 0 or in front of it) or ``"source"``
    (rows on later planes, ray-traced).
    """
    if planes not in ("all", "lens", "source"):
        raise ValueError(f"planes={planes!r}: use 'all', 'lens' or 'source'")
    theta = composed.vector_from_tables() if theta is None else theta
    group_params = composed.group_params(theta)
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    flat_y, flat_x = y.ravel(), x.ravel()
    total = np.zeros(flat_y.size)
    n_lens = sum(int(np.size(p["y"])) if "y" in p else 1 for p in group_params)
    for plane, classes in _light_groups(composed).items():
        if (planes == "lens" and plane is not None) or (planes == "source" and plane is None):
            continue
        names = list(classes)
        light_params = [{c: jnp.asarray(v) for c, v in classes[n].items()} for n in names]
        n_rows = max([len(p["y"]) for p in classes.values()] + [n_lens if plane is not None else 1])
        chunk = max(1024, min(_CHUNK, _MAX_ELEMENTS // n_rows))
        chunk = 1 << (chunk.bit_length() - 1)
        kernel = _make_kernel(composed, plane, names)
        # a fixed chunk size (the last chunk padded): one compilation per plane
        total += chunked_map(lambda yy, xx, k=kernel, lp=light_params: k(group_params, lp, yy, xx),
                             (flat_y, flat_x), chunk)[0]
    return total.reshape(y.shape)


def resolve_config(composed, config: ImagingConfig | None = None, theta=None) -> ImagingConfig:
    """``config`` with ``pixel_scale`` set: when ``None``, the field ``shape × pixel_scale`` is made to
    cover every lensed image, a square about ``centre`` of half-width ``1.2 × (the largest deflection
    to any source plane within it) + the largest source offset from the centre + 3 × the largest source
    effective radius`` (at least 10″; iterated as the deflection grows with the field), rounded up to
    0.01″ per pixel."""
    config = config or ImagingConfig()
    if config.pixel_scale is not None:
        return config
    groups = _light_groups(composed)
    source_planes = [p for p in groups if p is not None]
    if not source_planes:
        source_planes = [len(composed.layout.plane_redshifts) - 1]
    cy, cx = config.centre
    offset, size = 0.0, 0.0
    for p in source_planes:
        for params in groups.get(p, {}).values():
            offset = max(offset, float(np.max(np.hypot(params["y"] - cy, params["x"] - cx))))
            for c in ("effective_radius", "sigma", "radius_break"):
                if c in params:
                    size = max(size, float(np.max(params[c])))
    theta = composed.vector_from_tables() if theta is None else theta
    group_params = composed.group_params(theta)
    half = 10.0 + offset
    for _ in range(6):
        y, x = pixel_centres((33, 33), 2 * half / 33, config.centre)
        alpha = 0.0
        for p in source_planes:
            by, bx = composed.tracer.ray_trace(
                group_params, jnp.asarray(y.ravel()), jnp.asarray(x.ravel()), p
            )
            alpha = max(alpha, float(np.nanmax(np.hypot(y.ravel() - by, x.ravel() - bx))))
        need = max(10.0, 1.2 * alpha + offset + 3.0 * size)
        if need <= half:
            break
        half = need
    scale = float(np.ceil(100.0 * 2.0 * need / min(config.shape)) / 100.0)
    return replace(config, pixel_scale=scale)


# --- the simulator ----------------------------------------------------------------------------------
def simulate_imaging(
    composed, config: ImagingConfig | None = None, seed: int | None = 0, theta=None
) -> Imaging:
    """Simulate an image of ``composed`` (a :class:`~clusterfit.model.ComposedModel`).

    Lens light plus ray-traced source light averaged over ``sub_size²`` sub-pixels, convolved with
    the PSF, with Poisson noise on ``(image + sky) × exposure_time`` counts and Gaussian read noise,
    sky-subtracted, in e⁻ s⁻¹ (module docstring). ``seed`` seeds ``numpy.random.default_rng``;
    ``theta`` defaults to the table values.
    """
    config = resolve_config(composed, config, theta)
    psf = config.kernel()
    ny, nx = config.shape
    py, px = psf.shape[0] // 2, psf.shape[1] // 2
    padded = (ny + 2 * py, nx + 2 * px)
    sub = config.sub_size
    y, x = pixel_centres(padded, config.pixel_scale, config.centre, sub)
    sb = render_surface_brightness(composed, y, x, theta)
    sb = sb.reshape(padded[0], sub, padded[1], sub).mean(axis=(1, 3))
    model_image = _convolve(sb, psf)[py : py + ny, px : px + nx]
    model_image = np.clip(model_image, 0.0, None)  # FFT round-off below zero

    t = config.exposure_time
    sky = config.background_sky
    expected = (model_image + sky) * t  # e⁻
    noise_map = np.sqrt(expected + config.read_noise**2) / t
    if config.noise:
        rng = np.random.default_rng(seed)
        counts = rng.poisson(expected).astype(float)
        if config.read_noise > 0:
            counts += rng.normal(0.0, config.read_noise, size=counts.shape)
        data = counts / t - sky
    else:
        data = model_image.copy()
    return Imaging(data, noise_map, psf, model_image, config, seed)


def _convolve(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    from scipy.signal import fftconvolve

    if kernel.size == 1:
        return image * kernel.item()
    return fftconvolve(image, kernel, mode="same")
