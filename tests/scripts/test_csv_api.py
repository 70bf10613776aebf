"""The guided tour ``scripts/cluster/csv_api.py`` runs, round-trips exactly and shows what it promises."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "cluster" / "csv_api.py"


@pytest.fixture(scope="module")
def kept_output(tmp_path_factory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("tour")
    out = subprocess.run([sys.executable, str(SCRIPT), str(folder)], capture_output=True,
                         text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout, folder


def test_runs_in_a_temporary_folder_by_default():
    out = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    temp = re.search(r"tables written under (\S+) \(temporary, now removed\)", out.stdout)
    assert temp, out.stdout[-500:]
    assert not Path(temp.group(1)).exists()


def test_round_trip_shows_every_cell_and_no_difference(kept_output):
    stdout, _ = kept_output
    assert "round-trip differences: 0" in stdout
    assert "✗" not in stdout
    assert 'mass.csv:2               column sigma            → galaxies["lens_0"].mass.sigma = 350.0 ✓' \
        in stdout
    assert "→ galaxies[\"lens_0\"].mass.centre[0] = 0.0 ✓" in stdout
    assert "→ scaling_galaxies[0].extra['mag'] = 21.85 ✓" in stdout
    assert "→ scaling_relations[0].values['sigma_ref'] = 160.0 ✓" in stdout
    assert "(empty: NFWMCRLudlowSph does not take it) ✓" in stdout


def test_every_written_cell_is_listed(kept_output):
    stdout, folder = kept_output
    cells = len(re.findall(r"^  \S+\.csv:\d+ +column \S+ +→ ", stdout, flags=re.M))
    # the round trip covers the tables written in step 2 (before priors.csv was added)
    expected = 0
    for name in ("mass.csv", "light.csv", "point.csv", "scaling_galaxies.csv",
                 "scaling_relations.csv"):
        lines = (folder / "my_cluster" / name).read_text().splitlines()
        expected += (len(lines) - 1) * len(lines[0].split(","))
    assert cells == expected


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
