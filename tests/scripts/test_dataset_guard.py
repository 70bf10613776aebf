"""The one auto-simulate guard of modeling.py and start_here.py (scripts/cluster/dataset_guard.py), and
modeling.py on a dataset whose galaxies have other names than the example's."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clusterfit import example_folder

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts" / "cluster"


@pytest.fixture
def guard(monkeypatch):
    """dataset_guard with the simulator replaced by a recorder (the guard's decisions, no simulation)."""
    monkeypatch.syspath_prepend(str(SCRIPTS))
    import dataset_guard
    import simulator

    calls = []

    def fake(model, dataset):
        calls.append((model, Path(dataset)))
        Path(dataset).mkdir(parents=True, exist_ok=True)
        for name in ("data.fits", "point_datasets.csv", *[p.name for p in example_folder().glob("*.csv")]):
            (Path(dataset) / name).write_text("x")
        (Path(dataset) / "clusterfit_manifest.json").write_text('{"runs": {"simulate": {}}}')

    monkeypatch.setattr(simulator, "simulate_cluster", fake)
    return dataset_guard, calls


def test_guard_simulates_what_is_missing_and_nothing_else(guard, tmp_path):
    g, calls = guard
    ds = tmp_path / "ds"
    assert g.ensure_dataset(ds) is True and len(calls) == 1  # fresh: simulated
    assert g.ensure_dataset(ds) is False and len(calls) == 1  # complete: not again
    for name in ("data.fits", "mass.csv", "priors.csv", "point_datasets.csv"):
        (ds / name).unlink()
        assert g.needs_simulation(ds) == [f"no {name}"]
        assert g.ensure_dataset(ds) is True, name
    assert len(calls) == 5 and all(c == (None, ds) for c in calls)


def test_guard_follows_edits_of_a_given_model_folder(guard, tmp_path):
    g, calls = guard
    model = tmp_path / "model"
    shutil.copytree(example_folder(), model)
    ds = tmp_path / "ds"
    assert g.ensure_dataset(ds, model) and calls[-1] == (model, ds)
    assert not g.ensure_dataset(ds, model)
    later = (ds / "point_datasets.csv").stat().st_mtime + 10
    os.utime(model / "mass.csv", (later, later))  # the user edited mass.csv after simulating
    assert g.needs_simulation(ds, model) == [f"{model / 'mass.csv'} edited"]
    assert g.ensure_dataset(ds, model) and len(calls) == 2


def test_guard_never_simulates_over_your_own_data(guard, tmp_path):
    g, calls = guard
    ds = tmp_path / "mine"
    shutil.copytree(example_folder(), ds)
    (ds / "point_datasets.csv").write_text("my observed images")  # no manifest: not written by the simulator
    assert g.ensure_dataset(ds) is False and not calls  # no data.fits, but used as it is
    (ds / "mass.csv").unlink()
    with pytest.raises(SystemExit, match="your data, not a simulation"):
        g.ensure_dataset(ds)
    assert (ds / "point_datasets.csv").read_text() == "my observed images" and not calls


def _modeling(*argv, cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYAUTO_DISABLE_JAX": "1"}
    return subprocess.run([sys.executable, str(SCRIPTS / "modeling.py"), *map(str, argv)], capture_output=True,
                          text=True, cwd=cwd, timeout=600, env=env)


@pytest.mark.slow
def test_modeling_resimulates_only_when_data_fits_is_missing(tmp_path):
    first = _modeling("ds", "--no-fit", "--no-autolens", cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "ds: no data.fits, no point_datasets.csv, no mass.csv" in first.stdout
    data = tmp_path / "ds" / "data.fits"
    stamp = data.stat().st_mtime_ns
    again = _modeling("ds", "--no-fit", "--no-autolens", cwd=tmp_path)
    assert again.returncode == 0 and "not simulated again" in again.stdout
    assert data.stat().st_mtime_ns == stamp
    data.unlink()
    third = _modeling("ds", "--no-fit", "--no-autolens", cwd=tmp_path)
    assert third.returncode == 0 and "ds: no data.fits: simulating it" in third.stdout, third.stderr[-2000:]
    assert data.exists()


RENAMES = {"halo": "dm_main", "lens_0": "bcg_north", "lens_1": "bcg_south", "source_0": "arc_a",
           "source_1": "arc_b", "source_2": "arc_c", "point_0": "img_a", "point_1": "img_b", "point_2": "img_c"}


@pytest.mark.slow
def test_modeling_fits_a_dataset_whose_galaxies_have_other_names(tmp_path):
    """No lens_0 anywhere: modeling.py composes, fits (smallest settings, two free parameters) and reports."""
    model = tmp_path / "renamed"
    model.mkdir()
    for path in example_folder().glob("*.csv"):
        text = path.read_text()
        for old, new in RENAMES.items():
            text = text.replace(old, new)
        (model / path.name).write_text(text)
    (model / "priors.csv").write_text("galaxy,attr_name,parameter,prior,lower,upper,mean,sigma\n"
                                      "dm_main,mass,sigma,Uniform,600.0,1200.0,,\n"
                                      "bcg_*,mass,sigma,Uniform,100.0,600.0,,\n")
    out = _modeling("ds", "-o", "results", "--model", model, "--n-live", 100, "--n-eff", 200, "--no-autolens",
                    cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    assert "Galaxy('bcg_north', z=0.3" in out.stdout and "lens_0" not in out.stdout
    assert "image-plane rms:" in out.stdout
    assert (tmp_path / "results" / "mass.csv").exists() and (tmp_path / "ds" / "data.fits").exists()
