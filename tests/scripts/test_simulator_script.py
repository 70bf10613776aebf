"""scripts/cluster/simulator.py: a plain --help; the example's CSVs → data.fits, point_datasets.csv and the
model tables (no hard-coded numbers); a WCS header when the folder has a sky reference."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from clusterfit import example_folder

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts" / "cluster"
SCRIPT = SCRIPTS / "simulator.py"


def run(*argv, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, argv)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_help_is_plain_and_names_the_defaults(tmp_path):
    out = run("--help", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "usage: simulator.py" in out.stdout and "data.fits" in out.stdout
    assert "default: dataset/cluster" in out.stdout and "(default: 0.05)" in out.stdout
    assert not list(tmp_path.iterdir())  # --help writes nothing


@pytest.mark.slow
def test_simulator_writes_imaging_points_and_tables_with_a_wcs(tmp_path):
    from astropy.io import fits
    from astropy.wcs import WCS

    model = tmp_path / "model"
    shutil.copytree(example_folder(), model)
    ra0, dec0 = 3.5867, -30.4003  # Abell 2744
    (model / "sky_reference.csv").write_text(f"ra,dec\n{ra0},{dec0}\n")
    out = run(model, "-o", tmp_path / "ds", cwd=tmp_path)  # no empty first argument needed
    assert out.returncode == 0, out.stderr
    assert "point_0: 5 images at z = 1.5" in out.stdout
    ds = tmp_path / "ds"
    for name in ("data.fits", "noise_map.fits", "psf.fits", "point_datasets.csv", "mass.csv", "light.csv",
                 "point.csv", "scaling_galaxies.csv", "scaling_relations.csv", "priors.csv",
                 "sky_reference.csv"):
        assert (ds / name).exists(), name
    with fits.open(ds / "data.fits") as hdul:
        header, data = hdul[0].header, hdul[0].data
    assert data.shape == (200, 200) and np.isfinite(data).all() and data.max() > 0
    wcs = WCS(header)
    assert header["CTYPE1"] == "RA---TAN" and header["CTYPE2"] == "DEC--TAN"
    # the field centre (offset 0, 0: the reference) and a pixel 10" West, 5" North of it, against the
    # flat-sky formula x = −ΔRA cos(DEC0) 3600, y = ΔDEC 3600 (TAN differs by < 1 mas at 11")
    s, (ny, nx) = header["PIXSCALE"], data.shape
    cy, cx = header["CENTRE_Y"], header["CENTRE_X"]
    for y, x in [(0.0, 0.0), (5.0, 10.0)]:
        col = (x - cx) / s + nx / 2 - 0.5  # 0-based pixel coordinates of the offset (FITS row 1 = min y)
        row = (y - cy) / s + ny / 2 - 0.5
        ra, dec = wcs.wcs_pix2world([[col, row]], 0)[0]
        assert -(ra - ra0) * np.cos(np.radians(dec0)) * 3600 == pytest.approx(x, abs=1e-3)
        assert (dec - dec0) * 3600 == pytest.approx(y, abs=1e-3)
    # East is left: RA grows towards lower column numbers
    assert wcs.wcs_pix2world([[0, 0]], 0)[0][0] > wcs.wcs_pix2world([[nx - 1, 0]], 0)[0][0]
    # simulated again: its own files are replaced, nothing else asked
    again = run(model, tmp_path / "ds", cwd=tmp_path)
    assert again.returncode == 0, again.stderr


def test_bad_model_folder_is_one_line_not_a_traceback(tmp_path):
    out = run(tmp_path / "nowhere", "-o", tmp_path / "ds", cwd=tmp_path)
    assert out.returncode != 0
    assert "error:" in out.stderr and "Traceback" not in out.stderr
