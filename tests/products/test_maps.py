"""products: lensing fields and FITS maps (values at images = solver and tracer; WCS = the sky offsets)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS

from clusterfit import example_folder, load_model
from clusterfit.cli import main
from clusterfit.model import compose
from clusterfit.products.fields import evaluate_fields, field_evaluator
from clusterfit.products.maps import make_maps
from clusterfit.simulate.point import solve_point_sources

RA0, DEC0 = 3.586259, -30.400174


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("maps") / "cluster"
    shutil.copytree(example_folder(), out)
    (out / "sky_reference.csv").write_text(f"ra,dec\n{RA0},{DEC0}\n")
    return out


@pytest.fixture(scope="module")
def composed(folder):
    return compose(load_model(folder))


def test_fields_at_images_equal_solver_and_tracer(composed):
    theta = composed.vector_from_tables()
    params = composed.group_params(theta)
    for name, (z, images) in solve_point_sources(composed, theta).items():
        plane = composed.source_planes[name]
        f = evaluate_fields(field_evaluator(composed, z), theta, images.y, images.x)
        np.testing.assert_allclose(f["magnification"], images.magnification, rtol=1e-6)
        by, bx = composed.tracer.ray_trace(params, images.y, images.x, plane)
        np.testing.assert_allclose(f["alpha_y"], images.y - np.asarray(by), atol=1e-6)
        np.testing.assert_allclose(f["alpha_x"], images.x - np.asarray(bx), atol=1e-6)
        # κ and γ are the Jacobian's: μ = 1/((1−κ)² − γ²)
        np.testing.assert_allclose(1 / ((1 - f["kappa"]) ** 2 - f["gamma"] ** 2), images.magnification,
                                   rtol=1e-6)
        # normalised to D_ls/D_s = 1: the same for every source redshift
        np.testing.assert_allclose(f["kappa_norm"] * field_evaluator(composed, z).ratio, f["kappa"], rtol=1e-12)


def test_fits_wcs_maps_reference_and_images_to_the_sky(folder, composed, tmp_path):
    files = make_maps(folder, tmp_path / "maps", 2.0, fov=70.0, pixel=0.25)
    names = {p.name for p in files}
    for n in ("kappa", "gamma1", "gamma2", "gamma", "psi", "alpha_x", "alpha_y", "magnification",
              "kappa_norm", "gamma_norm"):
        assert f"{n}.fits" in names
    assert {"quicklook.png", "images.reg", "critical.reg", "caustics.reg"} <= names
    with fits.open(tmp_path / "maps" / "kappa.fits") as hdul:
        header, data = hdul[0].header, hdul[0].data
    wcs = WCS(header)
    n = data.shape[0]
    assert data.shape == (n, n) and n % 2 == 1 and header["ZSOURCE"] == 2.0
    ra, dec = wcs.all_pix2world([[header["CRPIX1"] - 1, header["CRPIX2"] - 1]], 0)[0]
    assert abs(ra - RA0) * 3600 < 1e-6 and abs(dec - DEC0) * 3600 < 1e-6
    ref = SkyCoord(RA0 * u.deg, DEC0 * u.deg)
    theta = composed.vector_from_tables()
    _, images = solve_point_sources(composed, theta)["point_1"]
    # a predicted image's pixel (x West = +pixel axis 1, y North = +axis 2) is where astropy puts it
    px = images.x / 0.25 + n // 2
    py = images.y / 0.25 + n // 2
    sky = wcs.pixel_to_world(px, py)
    expected = ref.spherical_offsets_by(-images.x * u.arcsec, images.y * u.arcsec)
    assert np.max(sky.separation(expected).to_value(u.mas)) < 1.0
    # and the map value at the image pixel nearest the image matches the field there
    i, j = int(round(px[0])), int(round(py[0]))
    f = evaluate_fields(field_evaluator(composed, 2.0), theta, np.array([(j - n // 2) * 0.25]),
                        np.array([(i - n // 2) * 0.25]))
    assert np.isclose(data[j, i], f["kappa"][0], rtol=1e-6)


def test_posterior_quantile_maps(folder, tmp_path):
    composed = compose(load_model(folder))
    rng = np.random.default_rng(0)
    t0 = composed.vector_from_tables()
    draws = t0 + 1e-3 * rng.normal(size=(20, len(t0))) * np.abs(t0 + 1)
    res = tmp_path / "results"
    shutil.copytree(folder, res)
    rows = ["weight,log_likelihood," + ",".join(composed.names)]
    rows += ["0.05,0.0," + ",".join(repr(float(v)) for v in d) for d in draws]
    (res / "samples.csv").write_text("\n".join(rows) + "\n")
    assert main(["maps", str(res), "-o", str(tmp_path / "m"), "--z", "3", "--fov", "30", "--pixel", "1",
                 "--samples", "6"]) == 0
    med = fits.getdata(tmp_path / "m" / "kappa_median.fits")
    lo = fits.getdata(tmp_path / "m" / "kappa_p16.fits")
    hi = fits.getdata(tmp_path / "m" / "kappa_p84.fits")
    assert np.all(lo <= med) and np.all(med <= hi) and np.any(hi > lo)


def test_maps_errors(folder, tmp_path, capsys):
    taken = tmp_path / "taken"  # the output policy: only its own files, replaced only with --overwrite
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    args = ["maps", str(folder), "-o", str(taken), "--z", "2", "--fov", "20", "--pixel", "1"]
    assert main(args) == 0 and (taken / "kappa.fits").is_file()
    capsys.readouterr()
    assert main(args) == 1
    assert "--overwrite" in capsys.readouterr().out
    assert main([*args, "--overwrite"]) == 0 and (taken / "notes.txt").read_text() == "mine"
    capsys.readouterr()
    assert main(["maps", str(folder), "-o", str(tmp_path / "new"), "--z", "0.2"]) == 1
    assert "not behind every lens plane" in capsys.readouterr().out
    assert not (tmp_path / "new").exists()
    assert main(["maps", str(folder), "-o", str(tmp_path / "new"), "--z", "2", "--samples", "3"]) == 1
    assert "samples.csv" in capsys.readouterr().out


def test_regions_of_an_isothermal_sphere(tmp_path):
    """critical.reg is the circle r = θ_E about the reference, in ICRS degrees; caustics.reg its
    point caustic (SIS: every critical point maps to the lens centre); images.reg has both images."""
    f = tmp_path / "sis"
    f.mkdir()
    (f / "mass.csv").write_text("galaxy,attr_name,profile_class,y,x,einstein_radius,redshift\n"
                                "lens,mass,IsothermalSph,0.0,0.0,10.0,0.3\n")
    (f / "point.csv").write_text("galaxy,attr_name,profile_class,y,x,redshift\nsrc,p,Point,1.0,0.5,2.0\n")
    (f / "sky_reference.csv").write_text(f"ra,dec\n{RA0},{DEC0}\n")
    make_maps(f, tmp_path / "m", 2.0, fov=30.0, pixel=0.2)
    ref = SkyCoord(RA0 * u.deg, DEC0 * u.deg)
    text = (tmp_path / "m" / "critical.reg").read_text()
    assert "icrs" in text and text.count("polygon(") == 1
    nums = np.array(text.split("polygon(")[1].split(")")[0].split(","), float).reshape(-1, 2)
    r = SkyCoord(nums[:, 0] * u.deg, nums[:, 1] * u.deg).separation(ref).to_value(u.arcsec)
    assert np.max(np.abs(r - 10.0)) < 0.02  # contour interpolated between 0.2″ pixels
    caus = (tmp_path / "m" / "caustics.reg").read_text().split("polygon(")[1].split(")")[0]
    c = np.array(caus.split(","), float).reshape(-1, 2)
    assert np.max(SkyCoord(c[:, 0] * u.deg, c[:, 1] * u.deg).separation(ref).to_value(u.arcsec)) < 0.05
    assert (tmp_path / "m" / "images.reg").read_text().count("box(") == 2


def _flat_offsets(ra, dec):
    """Lenstool's f_shape.c formula, written out here: (y, x) arcsec of (RA, Dec) about (RA0, DEC0)."""
    return (dec - DEC0) * 3600.0, -(ra - RA0) * np.cos(np.radians(DEC0)) * 3600.0


@pytest.mark.parametrize("projection", ["TAN", "lenstool"])
def test_map_pixels_are_their_sky_positions_in_both_projections(projection, tmp_path):
    """A SIS (θ_E = 10″) and a source placed so that one image falls on the centre of a map pixel 100″
    out: that pixel's RA/Dec (the FITS WCS) and the image's RA/Dec (the report's conversion, and
    images.reg) agree within 1 mas, and the deflection map there is the analytic SIS deflection at the
    pixel's folder offsets (1e-6″; evaluated at the TAN offsets instead, a lenstool folder's would be
    ~1 mas off). The folder offsets of the pixel are computed here: TAN offsets as they are, or
    Lenstool's flat formula of the pixel's RA/Dec."""
    from clusterfit.tables.sky import sky_from_offsets

    f = tmp_path / "sis"
    f.mkdir()
    (f / "mass.csv").write_text("galaxy,attr_name,profile_class,y,x,einstein_radius,redshift\n"
                                "lens,mass,IsothermalSph,0.0,0.0,10.0,0.3\n")
    (f / "sky_reference.csv").write_text(f"ra,dec,projection\n{RA0},{DEC0},{projection}\n")
    pixel, (pj, pi) = 1.0, (60, 80)  # the pixel 60″ North, 80″ West of the centre
    n = 2 * 81 + 1
    c = n // 2
    header_wcs = WCS(fits_header_of(f, n, pixel))
    sky = header_wcs.pixel_to_world(c + pi, c + pj)
    ty, tx = (pj * pixel, pi * pixel) if projection == "TAN" else _flat_offsets(sky.ra.deg, sky.dec.deg)
    ty, tx = float(ty), float(tx)
    r = np.hypot(ty, tx)
    by, bx = float(ty - 10.0 * ty / r), float(tx - 10.0 * tx / r)  # SIS: β = θ − θ_E θ/|θ|
    (f / "point.csv").write_text(f"galaxy,attr_name,profile_class,y,x,redshift\nsrc,p,Point,{by!r},{bx!r},2.0\n")
    make_maps(f, tmp_path / "m", 2.0, fov=n * pixel, pixel=pixel)
    with fits.open(tmp_path / "m" / "alpha_x.fits") as hx, fits.open(tmp_path / "m" / "alpha_y.fits") as hy:
        assert hx[0].data.shape == (n, n) and WCS(hx[0].header).pixel_to_world(c + pi, c + pj).separation(sky) == 0
        ax, ay = float(hx[0].data[c + pj, c + pi]), float(hy[0].data[c + pj, c + pi])
    assert abs(ax - 10.0 * tx / r) < 1e-5 and abs(ay - 10.0 * ty / r) < 1e-5  # float32 maps of ~8″
    composed = compose(load_model(f))
    _, images = solve_point_sources(composed)["p"]
    k = int(np.argmin(np.hypot(images.y - ty, images.x - tx)))
    assert np.hypot(images.y[k] - ty, images.x[k] - tx) < 1e-6
    ra, dec = sky_from_offsets(composed.model.sky_reference, images.y[k], images.x[k])
    assert SkyCoord(ra * u.deg, dec * u.deg).separation(sky).to_value(u.mas) < 1.0
    boxes = [ln.split("(")[1].split(",")[:2] for ln in (tmp_path / "m" / "images.reg").read_text().splitlines()
             if ln.startswith("box(")]
    reg = SkyCoord(np.array(boxes, float) * u.deg)
    assert np.min(reg.separation(sky).to_value(u.mas)) < 1.0


def fits_header_of(folder, n: int, pixel: float):
    """The maps' FITS header for an n × n grid of ``pixel`` arcsec about ``folder``'s reference."""
    from clusterfit.products.maps import MapGrid, fits_header

    (folder / "point.csv").write_text("galaxy,attr_name,profile_class,y,x,redshift\nsrc,p,Point,0.0,0.0,2.0\n")
    return fits_header(compose(load_model(folder)), MapGrid(n, pixel), 2.0, "alpha_x", None)
