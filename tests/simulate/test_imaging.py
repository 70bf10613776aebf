"""Simulated imaging: grid, PSF, noise statistics, lensed light, FITS/PNG files, seeds."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from astropy.io import fits
from scipy.ndimage import minimum_filter

import clusterfit
from clusterfit.model import compose
from clusterfit.simulate.imaging import (
    ImagingConfig,
    gaussian_psf,
    pixel_centres,
    render_surface_brightness,
    resolve_config,
    simulate_imaging,
)
from clusterfit.simulate.imaging_io import read_imaging, write_imaging

CONFIG = ImagingConfig(
    shape=(150, 150),
    pixel_scale=0.5,
    psf_sigma=0.4,
    background_sky=0.2,
    exposure_time=800.0,
    read_noise=4.0,
    sub_size=2,
)


@pytest.fixture(scope="module")
def composed():
    return compose(clusterfit.load_model(clusterfit.example_folder()))


@pytest.fixture(scope="module")
def imaging(composed):
    return simulate_imaging(composed, CONFIG, seed=7)


@pytest.fixture(scope="module")
def images(composed):
    """Image positions (y, x) of every point source of the example (its sources sit at the light
    centres): local minima of |β(θ) − β_s| below 0.05″ on a 0.15″ grid (the bright arcs; the faint
    central images may be missed, which does not matter here)."""
    gp = composed.group_params(composed.vector_from_tables())
    y, x = pixel_centres((500, 500), 0.15)
    ray_trace = jax.jit(composed.tracer.ray_trace, static_argnums=3)
    out = {}
    for row in composed.model.point:
        by, bx = ray_trace(gp, y.ravel(), x.ravel(), composed.source_planes[row.attr_name])
        d = np.hypot(np.asarray(by) - row.values["y"], np.asarray(bx) - row.values["x"]).reshape(
            y.shape
        )
        found = (d == minimum_filter(d, size=3)) & (d < 0.05)
        out[row.galaxy] = (y[found], x[found])
    return out


def _pixel_of(config: ImagingConfig, y, x) -> tuple[np.ndarray, np.ndarray]:
    ny, nx = config.shape
    s = config.pixel_scale
    i = np.floor((config.centre[0] + ny * s / 2 - np.asarray(y)) / s).astype(int)
    j = np.floor((np.asarray(x) - config.centre[1] + nx * s / 2) / s).astype(int)
    return i, j


def test_pixel_centres_orientation():
    y, x = pixel_centres((4, 6), 0.5, centre=(1.0, -2.0))
    assert y.shape == (4, 6)
    assert y[0, 0] == pytest.approx(1.0 + 0.75) and y[-1, 0] == pytest.approx(1.0 - 0.75)
    assert x[0, 0] == pytest.approx(-2.0 - 1.25) and x[0, -1] == pytest.approx(-2.0 + 1.25)
    ys, xs = pixel_centres((4, 6), 0.5, centre=(1.0, -2.0), sub_size=2)
    assert ys.shape == (8, 12)
    assert ys[:2, :2].mean() == pytest.approx(y[0, 0]) and xs[:2, :2].mean() == pytest.approx(
        x[0, 0]
    )


@pytest.mark.parametrize("sigma, scale", [(0.1, 0.3), (0.4, 0.5), (1.0, 0.2)])
def test_gaussian_psf_normalised_odd_symmetric(sigma, scale):
    k = gaussian_psf(sigma, scale)
    assert k.shape[0] % 2 == 1 and k.shape == k.shape[::-1]
    assert k.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(k, k[::-1, ::-1], atol=1e-15)
    np.testing.assert_allclose(k, k.T, atol=1e-15)
    c = k.shape[0] // 2
    assert k[c, c] == k.max()


def test_given_kernel_is_normalised_and_checked(composed):
    kernel = np.ones((3, 5))
    config = ImagingConfig(shape=(20, 20), pixel_scale=1.0, psf=kernel, sub_size=1)
    im = simulate_imaging(composed, config, seed=0)
    assert im.psf.shape == (3, 5) and im.psf.sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="odd"):
        ImagingConfig(psf=np.ones((4, 3)))
    with pytest.raises(ValueError, match="psf_shape"):
        ImagingConfig(psf_shape=(4, 4))


def test_shapes_and_psf(imaging):
    assert imaging.data.shape == imaging.noise_map.shape == imaging.model_image.shape == (150, 150)
    assert imaging.psf.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(imaging.noise_map > 0) and np.all(np.isfinite(imaging.data))
    assert np.all(imaging.model_image >= 0)


def test_noise_statistics(imaging):
    """(data − model)/noise_map is unit-normal over the 22 500 pixels."""
    r = (imaging.data - imaging.model_image) / imaging.noise_map
    assert abs(r.mean()) < 0.03
    assert r.std() == pytest.approx(1.0, rel=0.03)
    # the noise map follows Poisson + read noise on the noiseless image + sky
    c = CONFIG
    expected = np.sqrt((imaging.model_image + c.background_sky) * c.exposure_time + c.read_noise**2)
    np.testing.assert_allclose(imaging.noise_map, expected / c.exposure_time, rtol=1e-12)


def test_seed_reproducibility(composed, imaging):
    again = simulate_imaging(composed, CONFIG, seed=7)
    np.testing.assert_array_equal(again.data, imaging.data)
    other = simulate_imaging(composed, CONFIG, seed=8)
    assert not np.array_equal(other.data, imaging.data)
    np.testing.assert_array_equal(other.model_image, imaging.model_image)


def test_noiseless(composed, imaging):
    im = simulate_imaging(composed, ImagingConfig(**{**CONFIG.__dict__, "noise": False}))
    np.testing.assert_array_equal(im.data, imaging.model_image)


def test_psf_conserves_flux(composed):
    """Blurring moves light, it does not make or lose it (the padded grid blurs edge light in)."""
    base = dict(shape=(120, 120), pixel_scale=0.6, sub_size=2, noise=False)
    sharp = simulate_imaging(composed, ImagingConfig(psf_sigma=0.0, **base)).model_image
    blurred = simulate_imaging(composed, ImagingConfig(psf_sigma=0.8, **base)).model_image
    assert blurred.sum() == pytest.approx(sharp.sum(), rel=2e-3)
    assert blurred.max() < sharp.max()


def test_sub_sampling_converges(composed):
    base = dict(shape=(60, 60), pixel_scale=0.8, psf_sigma=0.0, noise=False)
    m2, m4, m8 = (
        simulate_imaging(composed, ImagingConfig(sub_size=s, **base)).model_image for s in (2, 4, 8)
    )
    assert np.abs(m8 - m4).sum() < 0.5 * np.abs(m8 - m2).sum()
    assert m8.sum() == pytest.approx(m4.sum(), rel=1e-2)


def test_lensed_source_brighter_at_images(composed, imaging, images):
    """At the solver's images of each source, the source light stands out of the noise; a blank
    field (no source light rows) has nothing there."""
    model = composed.model
    blank_model = model.replace(
        light=tuple(r for r in model.light if not r.galaxy.startswith("source"))
    )
    blank = simulate_imaging(compose(blank_model), CONFIG, seed=7)
    for galaxy, (iy, ix) in images.items():
        assert len(iy) >= 3, galaxy
        i, j = _pixel_of(CONFIG, iy, ix)
        inside = (i >= 0) & (i < 150) & (j >= 0) & (j < 150)
        assert inside.all(), (galaxy, iy, ix)
        snr = (imaging.data[i, j] - blank.model_image[i, j]) / imaging.noise_map[i, j]
        blank_snr = (blank.data[i, j] - blank.model_image[i, j]) / blank.noise_map[i, j]
        assert np.median(snr) > 10, (galaxy, snr)
        assert np.all(np.abs(blank_snr) < 5), (galaxy, blank_snr)
    # the source-only surface brightness peaks at the images, far above the field corners
    for galaxy, (iy, ix) in images.items():
        at_images = render_surface_brightness(composed, iy, ix, planes="source")
        corners = render_surface_brightness(
            composed, np.array([35.0, -35.0]), np.array([35.0, -35.0]), planes="source"
        )
        assert at_images.min() > 100 * max(corners.max(), 1e-12), galaxy


def test_lens_light_unlensed(composed):
    """Lens-plane light is evaluated at image-plane positions: its peak is at the lens centre."""
    row = next(r for r in composed.model.light if r.galaxy == "lens_0")
    y, x = pixel_centres((41, 41), 0.1, (row.values["y"], row.values["x"]))
    sb = render_surface_brightness(composed, y, x, planes="lens")
    assert np.unravel_index(np.argmax(sb), sb.shape) == (20, 20)


def test_default_pixel_scale_covers_images(composed, images):
    config = resolve_config(composed, ImagingConfig(shape=(100, 100)))
    assert config.pixel_scale is not None and config.pixel_scale > 0
    half = 50 * config.pixel_scale
    for iy, ix in images.values():
        assert np.all(np.abs(iy) < half) and np.all(np.abs(ix) < half)
    assert half < 120.0  # and not absurdly large
    assert resolve_config(composed, CONFIG) is CONFIG


def test_write_fits_and_png(imaging, tmp_path):
    paths = write_imaging(imaging, tmp_path / "dataset")
    folder = tmp_path / "dataset"
    assert sorted(p.name for p in folder.iterdir()) == [
        "data.fits",
        "data.png",
        "noise_map.fits",
        "psf.fits",
    ]  # no temporary files left
    for name in ("data", "noise_map", "psf"):
        with fits.open(paths[name]) as hdul:
            h = hdul[0].header
            assert h["PIXSCALE"] == pytest.approx(0.5)
            assert (h["CENTRE_Y"], h["CENTRE_X"]) == (0.0, 0.0)
            assert "BUNIT" in h
            shape = hdul[0].data.shape
        assert shape == ((150, 150) if name != "psf" else imaging.psf.shape)
    with fits.open(paths["data"]) as hdul:
        assert hdul[0].header["BUNIT"] == "e-/s"
        assert hdul[0].header["EXPTIME"] == pytest.approx(800.0)
        # FITS row 1 is the bottom of the image (smallest y)
        np.testing.assert_array_equal(hdul[0].data[0], imaging.data[-1])
    back = read_imaging(folder)
    np.testing.assert_array_equal(back.data, imaging.data)
    np.testing.assert_array_equal(back.noise_map, imaging.noise_map)
    np.testing.assert_allclose(back.psf, imaging.psf)
    assert back.pixel_scale == pytest.approx(0.5)
    import matplotlib.image

    png = matplotlib.image.imread(paths["png"])
    assert png.ndim == 3 and png.shape[0] > 300 and png.shape[1] > 300
    assert png[..., :3].std() > 0.05  # not blank


def test_rewrite_overwrites(imaging, tmp_path):
    write_imaging(imaging, tmp_path, png=False)
    changed = type(imaging)(
        imaging.data + 1.0,
        imaging.noise_map,
        imaging.psf,
        imaging.model_image,
        imaging.config,
        imaging.seed,
    )
    write_imaging(changed, tmp_path, png=False)
    with fits.open(tmp_path / "data.fits") as hdul:
        np.testing.assert_array_equal(np.flipud(hdul[0].data), imaging.data + 1.0)
    assert not (tmp_path / "data.png").exists()
