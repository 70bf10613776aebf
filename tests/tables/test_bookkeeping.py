"""PyAutoLens's bookkeeping cells (redshift_object, redshift_source, H0, Om0): written filled by every
writer, updated on re-save, read back exactly; a stale cell is a finding; ``validate --fix`` rewrites
only those cells. (That PyAutoLens then builds our lens: tests/crosscheck/test_tables_autolens.py.)"""

import os
import stat
from pathlib import Path

import pytest

from clusterfit import load_model, save_model, validate_folder
from clusterfit.cli import main
from clusterfit.tables import PointImage, ProfileRow
from clusterfit.tables.bookkeeping import StaleBookkeepingWarning, last_plane_redshift
from clusterfit.tables.bookkeeping_fix import fix_bookkeeping
from clusterfit.tables.model import MembersWithoutTierWarning

# a hand-written folder: dPIE, NFW and Isothermal rows, no bookkeeping column, integers as typed
MASS = ("galaxy,attr_name,profile_class,y,x,sigma,r_core,r_cut,mass_at_200,einstein_radius,redshift\n"
        "bcg,mass,dPIEMassSph,0,0,300,0.1,50,,,0.3\n"
        "halo,mass,NFWMCRLudlowSph,1,2,,,,1e15,,0.3\n"
        "sis,mass,IsothermalSph,5,-3,,,,,1.2,0.3\n")
POINT = ("galaxy,attr_name,profile_class,y,x,redshift\n"
         "src_a,point_0,Point,0.5,0.2,1.5\n"
         "src_b,point_1,Point,-0.3,0.1,2.5\n")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "mass.csv").write_text(MASS)
    (tmp_path / "point.csv").write_text(POINT)
    (tmp_path / "cosmology.csv").write_text("H0,Om0\n70.0,0.3\n")
    return tmp_path


def _cells(path: Path) -> list[dict[str, str]]:
    import csv

    return list(csv.DictReader(path.open()))


def test_save_fills_them_from_the_folder(folder, tmp_path):
    model = load_model(folder)
    assert last_plane_redshift(model) == 2.5
    save_model(model, tmp_path / "out")
    rows = _cells(tmp_path / "out" / "mass.csv")
    assert [r["redshift_object"] for r in rows] == ["0.3", "0.3", ""]
    assert [r["redshift_source"] for r in rows] == ["2.5", "2.5", ""]
    assert [r["H0"] for r in rows] == ["70.0", "", ""] and [r["Om0"] for r in rows] == ["0.3", "", ""]
    # read back exactly, and a second save writes the same bytes
    again = load_model(tmp_path / "out")
    assert again.mass[0].values["redshift_source"] == 2.5 and again.mass[1].values["redshift_object"] == 0.3
    save_model(again, tmp_path / "out2")
    assert (tmp_path / "out2" / "mass.csv").read_bytes() == (tmp_path / "out" / "mass.csv").read_bytes()


def test_resave_after_the_sources_change_updates_them(folder, tmp_path):
    save_model(load_model(folder), tmp_path / "out")
    model = load_model(tmp_path / "out")
    farther = ProfileRow("point", "src_c", "point_2", "Point", {"y": 0.0, "x": 0.0}, 4.25)
    save_model(model.replace(point=model.point + (farther,)), tmp_path / "out")
    assert {r["redshift_source"] for r in _cells(tmp_path / "out" / "mass.csv")} == {"4.25", ""}
    # a dataset-only source plane counts too (our tracer ends on it)
    model = load_model(tmp_path / "out")
    image = PointImage("far", 1.0, 2.0, 0.05, redshift=5.5)
    save_model(model.replace(point_images=(image,)), tmp_path / "out")
    assert load_model(tmp_path / "out").mass[0].values["redshift_source"] == 5.5


@pytest.mark.parametrize("column, cell, line, message", [
    ("redshift_source", "1.0", 2, "the last plane is z = 2.5"),
    ("redshift_object", "0.5", 3, "is at z = 0.3"),
    ("H0", "67.66", 2, "the model cosmology has 70.0"),
])
def test_a_stale_cell_is_a_finding_with_file_line_column_and_fix(folder, tmp_path, column, cell, line, message):
    save_model(load_model(folder), tmp_path / "out")
    path = tmp_path / "out" / "mass.csv"
    rows = path.read_text().splitlines()
    header = rows[0].split(",")
    cells = rows[line - 1].split(",")
    cells[header.index(column)] = cell
    rows[line - 1] = ",".join(cells)
    path.write_text("\n".join(rows) + "\n")
    (err,) = validate_folder(tmp_path / "out")
    assert (err.file, err.line, err.column) == ("mass.csv", line, column)
    assert message in err.message and "PyAutoLens" in err.message
    assert "clusterfit validate --fix" in err.hint
    assert main(["validate", str(tmp_path / "out")]) == 1
    # it does not stop a load (our physics does not read it): a warning, and a re-save rewrites it
    with pytest.warns(StaleBookkeepingWarning, match=f"mass.csv:{line} column '{column}' is {cell}"):
        model = load_model(tmp_path / "out")
    save_model(model, tmp_path / "resaved")
    assert validate_folder(tmp_path / "resaved") == []
    assert main(["validate", "--fix", str(tmp_path / "out")]) == 0
    assert validate_folder(tmp_path / "out") == []
    assert _cells(path) == _cells(tmp_path / "out" / "mass.csv")  # and nothing else changed
    save_model(load_model(folder), tmp_path / "ref")
    assert path.read_text() == (tmp_path / "ref" / "mass.csv").read_text()


def test_fix_rewrites_only_those_cells_and_keeps_the_permissions(folder, capsys):
    os.chmod(folder / "mass.csv", 0o640)
    before = _cells(folder / "mass.csv")
    assert main(["validate", str(folder)]) == 0
    assert "bookkeeping cells of mass.csv are empty" in capsys.readouterr().out
    assert main(["validate", "--fix", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "fixed mass.csv:2: redshift_object (empty) → 0.3, redshift_source (empty) → 2.5" in out
    after = _cells(folder / "mass.csv")
    assert list(after[0]) == [*before[0].keys()][:-1] + ["redshift_object", "redshift_source", "H0", "Om0",
                                                         "redshift"]
    for b, a in zip(before, after, strict=True):  # every other cell keeps its text ("300", "1e15")
        assert {k: a[k] for k in b} == b
    assert [a["redshift_source"] for a in after] == ["2.5", "2.5", ""]
    assert stat.S_IMODE((folder / "mass.csv").stat().st_mode) == 0o640
    assert fix_bookkeeping(folder) == []  # nothing left to fix: the file is not touched again
    assert main(["validate", str(folder)]) == 0 and "empty" not in capsys.readouterr().out


def test_simulate_writes_them_filled(example_copy, tmp_path):
    from clusterfit.simulate import simulate

    (example_copy / "mass.csv").write_text(
        "galaxy,attr_name,profile_class,y,x,ellipticity,angle_pos,sigma,r_core,r_cut,redshift\n"
        "halo,mass,dPIEMass,1.0,-2.0,0.3,35.0,900,6.0,1000.0,0.3\n"
        "lens_0,mass,dPIEMass,0.0,0.0,0.2,40.0,350,0.2,60.0,0.3\n"
        "lens_1,mass,dPIEMass,18.0,-14.0,0.15,120.0,280,0.15,40.0,0.3\n")
    out = simulate(example_copy, tmp_path / "ds", seed=1)
    rows = _cells(out / "mass.csv")
    assert {(r["redshift_object"], r["redshift_source"], r["H0"], r["Om0"]) for r in rows} == {
        ("0.3", "3.0", "67.66", "0.30966")}
    assert [r["sigma"] for r in rows] == ["900", "350", "280"]  # the copy keeps the user's cells
    assert (example_copy / "mass.csv").read_text().count("redshift_source") == 0  # the input is untouched


def test_moving_the_last_source_keeps_the_folder_usable(example_copy, tmp_path):
    """Edit a CSV, re-run: a source added behind the last plane makes the cells stale, not the folder."""
    from clusterfit.simulate import simulate

    with (example_copy / "point.csv").open("a") as f:
        f.write("source_3,point_3,Point,1.0,-3.0,3.5\n")
    assert [e.column for e in validate_folder(example_copy)] == ["redshift_source"] * 3
    with pytest.warns(StaleBookkeepingWarning):
        out = simulate(example_copy, tmp_path / "ds", seed=1)
    assert {r["redshift_source"] for r in _cells(out / "mass.csv")} == {"3.5"}
    assert validate_folder(out) == []


def test_members_without_a_tier_are_kept_with_a_warning(example_copy, tmp_path, capsys):
    (example_copy / "scaling_relations.csv").unlink()
    (example_copy / "priors.csv").write_text("galaxy,attr_name,parameter,prior,lower,upper,mean,sigma\n"
                                             "halo,mass,sigma,Uniform,600.0,1200.0,,\n")
    with pytest.warns(MembersWithoutTierWarning, match="30 members are kept but carry no mass"):
        model = load_model(example_copy)
    save_model(model, tmp_path / "out")
    with pytest.warns(MembersWithoutTierWarning):
        again = load_model(tmp_path / "out")
    assert again.scaling_galaxies == model.scaling_galaxies and len(model.scaling_galaxies) == 30
    assert _cells(tmp_path / "out" / "scaling_galaxies.csv")[0] == {
        "y": "22.105", "x": "-24.716", "luminosity": "0.028840315031266012", "redshift": "0.3", "mag": "21.85",
        "id": "1.0"}  # numbers as numbers (PyAutoLens's galaxy_table_to_csv writes 1.0 too)
    assert not (tmp_path / "out" / "scaling_relations.csv").exists()
    assert main(["validate", str(example_copy)]) == 0  # valid; the CLI shows the warning as one line
    err = capsys.readouterr().err
    assert err.startswith("warning: scaling_galaxies.csv: 30 members are kept but carry no mass") and \
        "Traceback" not in err and err.count("\n") == 1
