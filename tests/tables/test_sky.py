"""sky_reference.csv: one row ra,dec (degrees) and an optional projection (TAN or lenstool), loaded, saved
and checked like cosmology.csv; the ra, dec columns of the point and member tables."""

from __future__ import annotations

import numpy as np
import pytest

from clusterfit import example_folder
from clusterfit.tables import CsvErrors, SkyReference, load_model, save_model


def test_round_trip(tmp_path):
    model = load_model(example_folder()).replace(sky_reference=SkyReference(342.18322, -44.530889))
    save_model(model, tmp_path / "m")
    assert (tmp_path / "m" / "sky_reference.csv").read_text() == "ra,dec\n342.18322,-44.530889\n"
    back = load_model(tmp_path / "m")
    assert back.sky_reference == SkyReference(342.18322, -44.530889)
    save_model(back.replace(sky_reference=None), tmp_path / "m")
    assert not (tmp_path / "m" / "sky_reference.csv").exists()


@pytest.mark.parametrize("text, column, words", [
    ("ra,dec\n400,-44.5\n", "ra", "ra must be in [0, 360)"),
    ("ra,dec\n342.1,-95\n", "dec", "dec must be in (-90, 90)"),
    ("ra,decl\n342.1,-44.5\n", "decl", "did you mean 'dec'"),
    ("ra,dec\n342.1,-44.5\n10,10\n", None, "more than one row"),
    ("ra,dec,projection\n342.1,-44.5,SIN\n", "projection", "projection 'SIN' is not known"),
])
def test_bad_rows(tmp_path, text, column, words):
    save_model(load_model(example_folder()), tmp_path / "m")
    (tmp_path / "m" / "sky_reference.csv").write_text(text)
    with pytest.raises(CsvErrors) as info:
        load_model(tmp_path / "m")
    errs = [e for e in info.value.errors if e.file.endswith("sky_reference.csv")]
    assert any(words in str(e) and e.column == column for e in errs), [str(e) for e in errs]


# --- ra, dec columns ------------------------------------------------------------------------------
RA0, DEC0 = 3.586259, -30.400174  # Abell 2744


def _folder_with(tmp_path, datasets: str, sky: str | None = f"ra,dec\n{RA0},{DEC0}\n"):
    save_model(load_model(example_folder()), tmp_path / "m")
    (tmp_path / "m" / "point_datasets.csv").write_text(datasets)
    if sky is not None:
        (tmp_path / "m" / "sky_reference.csv").write_text(sky)
    return tmp_path / "m"


def test_ra_dec_columns_become_offsets(tmp_path):
    """ra, dec are converted with the TAN projection; astropy's spherical offsets (another route, the
    rotated-frame longitude and latitude) agree to 1e-5″ within 100″; Lenstool's flat formula to 0.03″."""
    from astropy import units as u
    from astropy.coordinates import SkyCoord

    from clusterfit.tables.sky import sky_from_offsets

    ref = SkyCoord(RA0 * u.deg, DEC0 * u.deg)
    targets = ref.spherical_offsets_by(np.array([-80.0, 0.0, 35.0]) * u.arcsec,
                                       np.array([60.0, -90.0, 0.5]) * u.arcsec)
    rows = "".join(f"s{i},{float(c.ra.deg)!r},{float(c.dec.deg)!r},0.05,2.0\n" for i, c in enumerate(targets))
    model = load_model(_folder_with(tmp_path, "name,ra,dec,positions_noise,redshift\n" + rows))
    y = np.array([im.y for im in model.point_images])
    x = np.array([im.x for im in model.point_images])
    dra, ddec = ref.spherical_offsets_to(targets)
    np.testing.assert_allclose(x, -dra.to_value(u.arcsec), atol=1e-5)
    np.testing.assert_allclose(y, ddec.to_value(u.arcsec), atol=1e-5)
    flat_x = -(targets.ra.deg - RA0) * np.cos(np.radians(DEC0)) * 3600
    flat_y = (targets.dec.deg - DEC0) * 3600
    assert np.max(np.abs(x - flat_x)) < 0.03 and np.max(np.abs(y - flat_y)) < 0.03
    ra, dec = sky_from_offsets(model.sky_reference, y, x)
    sep = SkyCoord(ra * u.deg, dec * u.deg).separation(targets).to_value(u.arcsec)
    assert np.max(sep) < 1e-6  # 1 µas: the two conversions invert each other


def test_member_ra_dec(tmp_path):
    folder = _folder_with(tmp_path, "name,y,x,positions_noise,redshift\ns,1.0,2.0,0.05,2.0\n")
    (folder / "scaling_galaxies.csv").write_text(f"ra,dec,luminosity,tier\n{RA0},{DEC0},1.0,members\n")
    members = load_model(folder).scaling_galaxies
    assert abs(members[0].y) < 1e-9 and abs(members[0].x) < 1e-9


@pytest.mark.parametrize("text, sky, column, words", [
    ("name,ra,dec,positions_noise\ns,3.5,-30.4,0.05\n", None, "ra", "no sky_reference.csv"),
    ("name,ra,dec,y,x,positions_noise\ns,3.5,-30.4,1,1,0.05\n", "ra,dec\n3.5,-30.4\n", "ra", "both ra, dec and y, x"),
    ("name,ra,y,positions_noise\ns,3.5,1,0.05\n", "ra,dec\n3.5,-30.4\n", "ra", "no 'dec'"),
    ("name,ra,dec,positions_noise\ns,3.5,abc,0.05\n", "ra,dec\n3.5,-30.4\n", "dec", "not a number"),
])
def test_ra_dec_errors(tmp_path, text, sky, column, words):
    folder = _folder_with(tmp_path, text, sky)
    with pytest.raises(CsvErrors) as info:
        load_model(folder)
    errs = [e for e in info.value.errors if e.file.endswith("point_datasets.csv")]
    assert any(words in str(e) and e.column == column for e in errs), [str(e) for e in info.value.errors]


def test_projection_column_round_trip(tmp_path):
    """A TAN folder keeps its two-column file; the lenstool projection is written and read back."""
    model = load_model(example_folder())
    lt = SkyReference(342.18322, -44.530889, "lenstool")
    save_model(model.replace(sky_reference=lt), tmp_path / "m")
    assert (tmp_path / "m" / "sky_reference.csv").read_text() == "ra,dec,projection\n342.18322,-44.530889,lenstool\n"
    assert load_model(tmp_path / "m").sky_reference == lt
    (tmp_path / "m" / "sky_reference.csv").write_text("ra,dec,projection\n342.18322,-44.530889,tan\n")
    assert load_model(tmp_path / "m").sky_reference == SkyReference(342.18322, -44.530889)
    assert SkyReference(1.0, 2.0) != SkyReference(1.0, 2.0, "lenstool")


def _flat(ra, dec):
    """Lenstool's f_shape.c, written out here: x = −(RA − RA0)·cos(DEC0)·3600, y = (DEC − DEC0)·3600."""
    return (np.asarray(dec) - DEC0) * 3600.0, -(np.asarray(ra) - RA0) * np.cos(np.radians(DEC0)) * 3600.0


def test_lenstool_projection_is_the_flat_formula(tmp_path):
    """ra, dec columns of a lenstool folder become Lenstool's offsets (to 1e-9″), which differ from the
    TAN ones by 14 mas in y and 28 mas in x at (100″, 100″); sky_from_offsets inverts both to 1 µas."""
    from astropy import units as u
    from astropy.coordinates import SkyCoord

    from clusterfit.tables.sky import offsets_from_sky_positions, sky_from_offsets

    ref = SkyCoord(RA0 * u.deg, DEC0 * u.deg)
    targets = ref.spherical_offsets_by(np.array([-100.0, 100.0, 3.0]) * u.arcsec,
                                       np.array([100.0, 100.0, -0.5]) * u.arcsec)
    ra, dec = targets.ra.deg, targets.dec.deg
    rows = "".join(f"s{i},{float(a)!r},{float(d)!r},0.05,2.0\n" for i, (a, d) in enumerate(zip(ra, dec, strict=True)))
    model = load_model(_folder_with(tmp_path, "name,ra,dec,positions_noise,redshift\n" + rows,
                                    f"ra,dec,projection\n{RA0},{DEC0},lenstool\n"))
    y = np.array([im.y for im in model.point_images])
    x = np.array([im.x for im in model.point_images])
    fy, fx = _flat(ra, dec)
    np.testing.assert_allclose(y, fy, atol=1e-9)
    np.testing.assert_allclose(x, fx, atol=1e-9)
    back = SkyCoord(*sky_from_offsets(model.sky_reference, y, x), unit="deg")
    assert np.max(back.separation(targets).to_value(u.uas)) < 1.0
    ty, tx = offsets_from_sky_positions(SkyReference(RA0, DEC0), ra, dec)  # the TAN offsets
    assert 10 < abs(ty[1] - fy[1]) * 1e3 < 20 and 20 < abs(tx[1] - fx[1]) * 1e3 < 35  # mas


def test_lenstool_projection_wraps_right_ascension():
    """ΔRA is wrapped into [−180°, 180°] as Lenstool does: a reference at RA 359.99° and a point at 0.01°."""
    from clusterfit.tables.sky import lenstool_offsets, lenstool_sky

    y, x = lenstool_offsets(0.01, 0.0, 359.99, 0.0)
    assert x == pytest.approx(-72.0) and y == 0.0
    assert lenstool_sky(y, x, 359.99, 0.0)[0] == pytest.approx(0.01, abs=1e-12)


def test_maps_frame_is_identity_for_tan_folders():
    from clusterfit.tables.sky import folder_offsets_of_tan

    y, x = np.array([100.0, -50.0]), np.array([100.0, 20.0])
    for ref in (None, SkyReference(RA0, DEC0)):
        fy, fx = folder_offsets_of_tan(ref, y, x)
        assert np.array_equal(fy, y) and np.array_equal(fx, x)
    fy, fx = folder_offsets_of_tan(SkyReference(RA0, DEC0, "lenstool"), y, x)
    assert 0.005 < np.max(np.hypot(fy - y, fx - x)) < 0.05  # the second-order terms, in arcsec
