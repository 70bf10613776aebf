"""The guided tour ``scripts/cluster/csv_api.py`` runs (in under 30 s), round-trips exactly and shows what it
promises. Every value the tour prints is checked against the files it wrote, read here with the ``csv``
module (the free-parameter count by expanding ``priors.csv`` over the tables), never against a copy of its
own output."""

import csv
import fnmatch
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "cluster" / "csv_api.py"
TUPLES = {"centre": ("y", "x"), "ell_comps": ("ell_comps_0", "ell_comps_1")}


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def row_of(path: Path, **match) -> tuple[int, dict[str, str]]:
    """(line number, row) of the first row of ``path`` whose cells equal ``match`` (header = line 1)."""
    return next((i + 2, r) for i, r in enumerate(rows(path)) if all(r[k] == v for k, v in match.items()))


def free_count(folder: Path) -> int:
    """Free parameters of a folder: each ``priors.csv`` row's wildcards expanded over the profile tables
    (``scaling`` rows over ``scaling_relations.csv`` tiers), tuple parameters counting their columns."""
    free: set[tuple] = set()
    for p in rows(folder / "priors.csv"):
        if p["attr_name"] == "scaling":
            targets = [("scaling", r["tier"], "scaling") for r in rows(folder / "scaling_relations.csv")
                       if fnmatch.fnmatchcase(r["tier"], p["galaxy"])]
        else:
            targets = [(name, r["galaxy"], r["attr_name"]) for name in ("mass", "light", "point")
                       if (folder / f"{name}.csv").exists() for r in rows(folder / f"{name}.csv")
                       if fnmatch.fnmatchcase(r["galaxy"], p["galaxy"])
                       and fnmatch.fnmatchcase(r["attr_name"], p["attr_name"])]
        names = {(*target, c) for target in targets for c in TUPLES.get(p["parameter"], (p["parameter"],))}
        free = free - names if p["prior"] == "Fixed" else free | names
    return len(free)


@pytest.fixture(scope="module")
def kept_output(tmp_path_factory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("tour")
    start = time.perf_counter()
    out = subprocess.run([sys.executable, str(SCRIPT), str(folder)], capture_output=True,
                         text=True, timeout=120, check=False, cwd=folder)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert time.perf_counter() - start < 30
    return out.stdout, folder


def test_runs_in_a_temporary_folder_by_default():
    out = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    temp = re.search(r"tables written under (\S+) \(temporary, now removed\)", out.stdout)
    assert temp, out.stdout[-500:]
    assert not Path(temp.group(1)).exists()


def test_round_trip_is_exact(kept_output):
    stdout, folder = kept_output
    assert "loaded == built: True" in stdout and "round-trip differences: 0" in stdout
    sigma = float(row_of(folder / "my_cluster" / "mass.csv", galaxy="lens_0")[1]["sigma"])
    assert f'galaxies["lens_0"].mass.sigma = {sigma!r}' in stdout
    mag = float(rows(folder / "my_cluster" / "scaling_galaxies.csv")[0]["mag"])
    assert f"scaling_galaxies[0].extra['mag'] = {mag!r}" in stdout


def test_every_cell_is_the_value_of_one_attribute(kept_output):
    """The guide's claim, checked on every cell of every table it wrote (the final my_cluster folder)."""
    from cell_map import cells, holds, value

    import clusterfit as cf

    _, folder = kept_output
    model = cf.load_model(folder / "my_cluster")
    every = cells(folder / "my_cluster")
    expected = 0
    for path in (folder / "my_cluster").glob("*.csv"):
        lines = path.read_text().splitlines()
        expected += (len(lines) - 1) * len(lines[0].split(","))
    assert len(every) == expected > 150
    bad = [(c.where, c.column, c.text, value(model, c.expression)) for c in every
           if not holds(c.text, value(model, c.expression))]
    assert not bad
    unused = [c for c in every if c.unused]
    assert unused and all(c.text == "" for c in unused)  # sparse columns: empty where the class has no such
    assert any(c.expression == 'galaxies["halo"].mass.values.get(\'sigma\')' for c in unused)
    cf.save_model(model, folder / "again")  # and written back: the same text, file by file
    for path in (folder / "my_cluster").glob("*.csv"):
        assert (folder / "again" / path.name).read_text() == path.read_text(), path.name


def test_pyautolens_objects_reach_the_same_tables(kept_output):
    stdout, folder = kept_output
    try:
        import autolens  # noqa: F401
    except ImportError:
        assert "autolens is not installed: this step is skipped" in stdout
        return
    assert "cells differing from step 2's tables: 0" in stdout
    sigma = float(row_of(folder / "from_autolens" / "mass.csv", galaxy="lens_0")[1]["sigma"])
    flux = float(row_of(folder / "from_autolens" / "point.csv", galaxy="source_1", attr_name="point_1")[1]["flux"])
    assert f'["lens_0"].mass.sigma = {sigma!r}, ["source_1"].point_1.flux = {flux!r}' in stdout
    assert (folder / "from_autolens" / "mass.csv").read_text().startswith("galaxy,attr_name,profile_class,y,x")


def test_point_datasets_step(kept_output):
    stdout, folder = kept_output
    images = rows(folder / "datasets_only" / "point_datasets.csv")
    first = next(i for i, r in enumerate(images) if r["name"] == "point_0")
    n, z = sum(r["name"] == "point_0" for r in images), float(images[first]["redshift"])
    assert f"PointDataset('point_0', {n} images, z={z:g})  [point_datasets.csv:{first + 2}]" in stdout
    assert "the same point_datasets.csv text: True" in stdout
    assert (folder / "datasets_only" / "point_datasets.csv").exists()


def test_free_parameters_and_errors(kept_output):
    stdout, folder = kept_output
    tables = folder / "my_cluster"
    assert f"free parameters: {free_count(tables)}" in stdout
    p = row_of(tables / "priors.csv", galaxy="members", parameter="sigma_ref")[1]
    assert re.search(rf"members\.scaling\.sigma_ref +Uniform\({float(p['lower']):g}, {float(p['upper']):g}\)", stdout)
    p = row_of(tables / "priors.csv", galaxy="source_*", parameter="centre")[1]
    assert re.search(rf"source_1\.point_1\.x +Gaussian\({p['mean']}, {float(p['sigma']):g}\)", stdout)
    line = row_of(tables / "mass.csv", galaxy="lens_1")[0]
    assert f"mass.csv:{line} column 'sigma': lens_1.mass (dPIEMass) has no value for 'sigma'" in stdout


def test_join_and_dataframes(kept_output):
    stdout, folder = kept_output
    tables = folder / "my_cluster"
    bulge_line, bulge = row_of(tables / "light.csv", galaxy="source_0", attr_name="bulge")
    point_line, point = row_of(tables / "point.csv", galaxy="source_0", attr_name="point_0")
    assert (f"source_0  z={float(bulge['redshift']):<4g} bulge ({bulge['profile_class']}, light.csv:{bulge_line}), "
            f"point_0 ({point['profile_class']}, point.csv:{point_line})") in stdout
    mass = rows(tables / "mass.csv")
    assert f"--- DataFrame 'mass': {len(mass)} rows x {len(mass[0])} columns" in stdout
    sigma = float(row_of(tables / "mass.csv", galaxy="lens_0")[1]["sigma"])
    assert f'frames["mass"].set_index("galaxy").loc["lens_0", "sigma"] = {sigma!r}' in stdout


def test_to_dataframes_matches_the_files(example_copy):
    import clusterfit as cf

    model = cf.load_model(example_copy)
    frames = model.to_dataframes()
    assert set(frames) == {p.stem for p in example_copy.glob("*.csv")}
    for name, frame in frames.items():
        header = (example_copy / f"{name}.csv").read_text().splitlines()[0].split(",")
        assert list(frame.columns) == header
    lens = frames["mass"].set_index("galaxy").loc["lens_0"]
    assert lens["sigma"] == model.galaxies["lens_0"].mass.sigma


def test_rich_renders_the_tables_and_summary(example_copy):
    from rich.console import Console

    import clusterfit as cf

    console = Console(record=True, width=200)
    console.print(cf.load_model(example_copy))
    text = console.export_text()
    assert "mass.csv" in text and "scaling_relations.csv" in text
    assert f"free parameters: {free_count(example_copy)}" in text
