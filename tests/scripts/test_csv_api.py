"""The guided tour ``scripts/cluster/csv_api.py`` runs (in under 30 s), round-trips exactly and shows what it
promises."""

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "cluster" / "csv_api.py"


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
    stdout, _ = kept_output
    assert "loaded == built: True" in stdout and "round-trip differences: 0" in stdout
    assert 'galaxies["lens_0"].mass.sigma = 350.0' in stdout
    assert "scaling_galaxies[0].extra['mag'] = 21.85" in stdout


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
    assert '["lens_0"].mass.sigma = 350.0, ["source_1"].point_1.flux = 1.0' in stdout
    assert (folder / "from_autolens" / "mass.csv").read_text().startswith("galaxy,attr_name,profile_class,y,x")


def test_point_datasets_step(kept_output):
    stdout, folder = kept_output
    assert "PointDataset('point_0', 3 images, z=1.5)  [point_datasets.csv:2]" in stdout
    assert "the same point_datasets.csv text: True" in stdout
    assert (folder / "datasets_only" / "point_datasets.csv").exists()


def test_free_parameters_and_errors(kept_output):
    stdout, folder = kept_output
    assert "free parameters: 11" in stdout
    assert re.search(r"members\.scaling\.sigma_ref +Uniform\(80, 300\)", stdout)
    assert re.search(r"source_1\.point_1\.x +Gaussian\(auto, 1\)", stdout)
    assert "mass.csv:3 column 'sigma': lens_1.mass (dPIEMass) has no value for 'sigma'" in stdout
    assert (folder / "my_cluster" / "priors.csv").exists()


def test_join_and_dataframes(kept_output):
    stdout, _ = kept_output
    assert "source_0  z=1.5  bulge (Sersic, light.csv:4), point_0 (Point, point.csv:2)" in stdout
    assert "--- DataFrame 'mass': 3 rows x 16 columns" in stdout
    assert 'frames["mass"].set_index("galaxy").loc["lens_0", "sigma"] = 350.0' in stdout


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
    assert "free parameters: 10" in text
