"""Sky positions through a Lenstool import and export: the imported folder is in Lenstool's projection
(sky_reference.csv ``projection = lenstool``), so its reports give back the catalogue's RA/Dec, and an
export writes that catalogue back; a TAN folder's export keeps its offsets."""

from __future__ import annotations

import shutil
from dataclasses import replace

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from lenstool_data import DATA  # tests/interop is on sys.path under pytest

from clusterfit import example_folder
from clusterfit.fit.evaluate import Evaluation, SystemEvaluation
from clusterfit.fit.results import images_text
from clusterfit.interop import export_lenstool, import_lenstool
from clusterfit.tables import SkyReference, load_model
from clusterfit.tables.sky import sky_from_offsets

A2744 = DATA / "a2744"
needs_data = pytest.mark.skipif(not (A2744 / "img_mul_constraints.cat").exists(), reason="no A2744 data")


def _catalogue(path) -> dict[str, tuple[float, float]]:
    """id → (RA, Dec) of an absolute-coordinate Lenstool catalogue, read here line by line."""
    out = {}
    for line in path.read_text().splitlines():
        cells = line.split("#", 1)[0].split()
        if cells and not line.lstrip().startswith("#"):
            out[cells[0]] = (float(cells[1]), float(cells[2]))
    return out


def _nearest_mas(ra, dec, table: dict) -> np.ndarray:
    cat = SkyCoord(*np.array(list(table.values())).T, unit="deg")
    _, sep, _ = SkyCoord(ra, dec, unit="deg").match_to_catalog_sky(cat)
    return sep.to_value(u.mas)


def _report_as_predicted(model) -> Evaluation:
    """An evaluation whose predicted images are the observed ones (so the report's RA/Dec are those of
    the folder's offsets, through the same code as every report)."""
    systems = [SystemEvaluation(ds.name, ds.redshift or 0.0, len(ds.images), 0.0, 0.0, 0.0, 0.0,
                                [(im.y, im.x, 1.0) for im in ds.images], 0, 0) for ds in model.point_datasets]
    return Evaluation(0.0, 0.0, sum(s.n_images for s in systems), 0, 0, systems)


@needs_data
def test_catalogue_radec_comes_back_in_the_reports():
    """img_mul_constraints.cat (absolute RA/Dec, DEC −30°, up to ~100″ from the reference) → import →
    report and --json RA/Dec: every image within 0.1 mas of its catalogue row. The TAN projection of the
    same offsets would be up to tens of mas off (so this test can fail)."""
    model = import_lenstool(A2744 / "A2744_SLspec.par")
    assert model.sky_reference.projection == "lenstool"
    cat = _catalogue(A2744 / "img_mul_constraints.cat")
    ev = _report_as_predicted(model)
    radec = np.array([p for s in ev.to_json(model.sky_reference)["systems"] for p in s["predicted_radec"]])
    assert len(radec) == 83
    assert np.max(_nearest_mas(radec[:, 0], radec[:, 1], cat)) < 0.1
    text = images_text(ev, model.sky_reference)  # the report prints 7 decimals of a degree (0.36 mas)
    rows = np.array([ln.split()[:2] for ln in text.splitlines() if ln.startswith("    ")], float)
    assert len(rows) == 83 and np.max(_nearest_mas(rows[:, 0], rows[:, 1], cat)) < 0.2
    y = np.array([im.y for im in model.point_images])
    x = np.array([im.x for im in model.point_images])
    tan = sky_from_offsets(replace(model.sky_reference, projection="TAN"), y, x)
    assert np.max(_nearest_mas(*tan, cat)) > 2.0  # images within ~50″: up to 3.6 mas


@needs_data
def test_export_writes_the_catalogue_back(tmp_path):
    """import → export: the exported image catalogue holds the input's RA/Dec (to 1e-12°), absolute
    (#REFERENCE 0) by Lenstool's formula, and imports back to the same offsets."""
    model = import_lenstool(A2744 / "A2744_SLspec.par")
    par = export_lenstool(model, tmp_path / "lt" / "model.par")
    text = (tmp_path / "lt" / "model_images.cat").read_text()
    assert text.startswith("#REFERENCE 0\n")
    got = np.array(list(_catalogue(tmp_path / "lt" / "model_images.cat").values()))
    want = np.array(list(_catalogue(A2744 / "img_mul_constraints.cat").values()))
    assert len(got) == 83  # ids are renumbered within each system (5.2, 5.3 → 5.1, 5.2)
    diff = np.min(np.abs(got[:, None, :] - want[None, :, :]).max(-1), axis=1)
    assert np.max(diff) < 1e-12
    back = import_lenstool(par)
    assert back.sky_reference == model.sky_reference
    np.testing.assert_allclose([(i.y, i.x) for i in back.point_images], [(i.y, i.x) for i in model.point_images],
                               rtol=0, atol=1e-9)


def test_tan_folder_exports_its_offsets(tmp_path):
    """A TAN folder keeps its sky_reference.csv as it is, and its export keeps its offsets (relative
    arcsec, #REFERENCE 3), with a note of how far Lenstool's flat formula puts them on the sky."""
    folder = tmp_path / "m"
    shutil.copytree(example_folder(), folder)
    (folder / "sky_reference.csv").write_text("ra,dec\n3.586259,-30.400174\n")
    model = load_model(folder)
    assert model.sky_reference == SkyReference(3.586259, -30.400174)
    notes: list[str] = []
    export_lenstool(model, tmp_path / "lt" / "model.par", notes=notes)
    rows = (tmp_path / "lt" / "model_members.cat").read_text().splitlines()
    assert rows[0] == "#REFERENCE 3 3.586259 -30.400174"
    xy = np.array([r.split()[1:3] for r in rows[1:]], float)
    np.testing.assert_array_equal(xy, [(g.x, g.y) for g in model.scaling_galaxies])
    assert any("TAN projection" in n and "mas" in n for n in notes), notes
    assert (folder / "sky_reference.csv").read_text() == "ra,dec\n3.586259,-30.400174\n"
