"""Files of a simulated image: FITS (``data``, ``noise_map``, ``psf``) and a PNG preview.

FITS arrays are flipped up–down on writing, so that FITS row 1 is the bottom of the image (the
orientation of ds9 and of ``autoarray``'s ``flip_for_ds9``; :mod:`.imaging` keeps row 0 at the top),
and flipped back on reading. Every file is written to a temporary file beside it and moved into place
(:func:`clusterfit.output.atomic_path`).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np

from clusterfit.output import atomic_path

from .imaging import BUNIT, Imaging, ImagingConfig, field_extent

__all__ = ["write_imaging", "read_imaging"]


# --- FITS ------------------------------------------------------------------------------------------
def _header(config: ImagingConfig, what: str, sky=None):
    from astropy.io import fits

    h = fits.Header()
    if sky is not None and what != "psf":  # RA/Dec of every pixel (clusterfit.simulate.wcs)
        from .wcs import imaging_wcs

        h.update(imaging_wcs(config, sky).to_header())
    h["PIXSCALE"] = (float(config.pixel_scale), "arcsec per pixel")
    h["CENTRE_Y"] = (float(config.centre[0]), "arcsec, y of the field centre")
    h["CENTRE_X"] = (float(config.centre[1]), "arcsec, x of the field centre")
    h["ORIENT"] = ("row 1 = bottom (min y), column 1 = left (min x)", "clusterfit")
    if what == "psf":
        h["BUNIT"] = ("", "normalised to sum 1")
        if config.psf is None:
            h["PSFSIGMA"] = (float(config.psf_sigma), "arcsec, Gaussian PSF sigma")
    else:
        h["BUNIT"] = (BUNIT, "electrons per second per pixel")
        h["EXPTIME"] = (float(config.exposure_time), "s")
        h["SKY"] = (float(config.background_sky), "e-/s per pixel, subtracted from data")
        h["RDNOISE"] = (float(config.read_noise), "e- per pixel")
        h["SUBSIZE"] = (int(config.sub_size), "sub-pixels per pixel side")
    h["CONTENT"] = (what, "clusterfit.simulate.imaging")
    return h


def _write_fits_atomic(path: Path, array: np.ndarray, header) -> None:
    from astropy.io import fits

    with atomic_path(path) as tmp:
        fits.PrimaryHDU(np.flipud(np.asarray(array, dtype=np.float64)), header=header).writeto(tmp)


def write_imaging(
    imaging: Imaging,
    folder: str | os.PathLike,
    config: ImagingConfig | None = None,
    png: bool = True,
    title: str | None = None,
    sky=None,
) -> dict[str, Path]:
    """Write ``data.fits``, ``noise_map.fits``, ``psf.fits`` (and ``data.png``) to ``folder``.

    Each file is written to a temporary file in ``folder`` and moved into place (:func:`clusterfit.output.atomic_path`).
    Arrays are flipped up–down so that FITS row 1 is the bottom of the image (module docstring);
    headers carry ``PIXSCALE`` (arcsec), ``CENTRE_Y``/``CENTRE_X`` (arcsec), ``BUNIT``, ``EXPTIME``,
    ``SKY``, ``RDNOISE``; with ``sky`` (a :class:`~clusterfit.tables.SkyReference`, the folder's
    ``sky_reference.csv``) ``data.fits`` and ``noise_map.fits`` also carry a TAN WCS (RA/Dec, North up).
    ``config`` defaults to ``imaging.config``. Returns the paths written.
    """
    config = config or imaging.config
    if config.pixel_scale is None:
        config = replace(config, pixel_scale=imaging.pixel_scale)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, array, what in (
        ("data", imaging.data, "data"),
        ("noise_map", imaging.noise_map, "noise_map"),
        ("psf", imaging.psf, "psf"),
    ):
        path = folder / f"{name}.fits"
        _write_fits_atomic(path, array, _header(config, what, sky))
        paths[name] = path
    if png:
        paths["png"] = _write_png(imaging, folder / "data.png", config, title)
    return paths


def read_imaging(folder: str | os.PathLike) -> Imaging:
    """Read what :func:`write_imaging` wrote (``model_image`` is NaN: it is not stored)."""
    from astropy.io import fits

    folder = Path(folder)
    arrays, headers = {}, {}
    for name in ("data", "noise_map", "psf"):
        with fits.open(folder / f"{name}.fits") as hdul:
            arrays[name] = np.flipud(np.asarray(hdul[0].data, dtype=float)).copy()
            headers[name] = hdul[0].header
    h = headers["data"]
    config = ImagingConfig(
        shape=arrays["data"].shape,
        pixel_scale=float(h["PIXSCALE"]),
        centre=(float(h["CENTRE_Y"]), float(h["CENTRE_X"])),
        psf=arrays["psf"],
        background_sky=float(h.get("SKY", 0.0)),
        exposure_time=float(h.get("EXPTIME", 1.0)),
        read_noise=float(h.get("RDNOISE", 0.0)),
        sub_size=int(h.get("SUBSIZE", 1)),
    )
    return Imaging(
        arrays["data"],
        arrays["noise_map"],
        arrays["psf"],
        np.full(arrays["data"].shape, np.nan),
        config,
        None,
    )


def _asinh_ticks(vmin: float, vmax: float, linear_width: float) -> list[float]:
    """0 and ± powers of ten outside the linear part of the stretch (no crowding about zero)."""
    ticks = [0.0] if vmin <= 0.0 <= vmax else []
    lo = int(np.floor(np.log10(3.0 * linear_width)))
    for k in range(lo, lo + 12):
        v = 10.0**k
        if v < 3.0 * linear_width:
            continue
        ticks += [t for t in (v, -v) if vmin <= t <= vmax]
    return sorted(ticks)


def _write_png(imaging: Imaging, path: Path, config: ImagingConfig, title: str | None) -> Path:
    # a bare Figure renders with the Agg canvas: no pyplot, no global backend switch
    from matplotlib.colors import AsinhNorm
    from matplotlib.figure import Figure

    data = imaging.data
    finite = data[np.isfinite(data)]
    noise = float(np.median(imaging.noise_map)) if imaging.noise_map.size else 1.0
    vmax = float(np.percentile(finite, 99.8)) if finite.size else 1.0
    vmin = float(np.percentile(finite, 0.5)) if finite.size else 0.0
    if not vmax > vmin:
        vmax = vmin + 1.0
    fig = Figure(figsize=(6.4, 5.6), dpi=120)
    ax = fig.add_subplot()
    im = ax.imshow(
        data,
        origin="upper",
        extent=field_extent(config),
        cmap="magma",
        norm=AsinhNorm(linear_width=max(noise, 1e-12), vmin=vmin, vmax=vmax),
        interpolation="nearest",
    )
    ax.set_xlabel("x (arcsec)")
    ax.set_ylabel("y (arcsec)")
    ny, nx = config.shape
    ax.set_title(
        title
        or f"simulated imaging: {ny}×{nx} px, {config.pixel_scale:g}″/px, "
        f"t={config.exposure_time:g} s"
    )
    cbar = fig.colorbar(im, ax=ax, ticks=_asinh_ticks(vmin, vmax, max(noise, 1e-12)), format="%g")
    cbar.set_label(f"{BUNIT} per pixel (asinh stretch)")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return path
