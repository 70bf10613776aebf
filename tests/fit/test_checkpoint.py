"""The nautilus checkpoint: a fingerprint of model and priors refuses a mismatched resume; a damaged file
(cut off, as by a kill while nautilus wrote it) is reported and the search restarts (issue 18)."""

import json
import shutil

import numpy as np
import pytest
from rich.console import Console

from clusterfit import example_folder
from clusterfit.cli import main
from clusterfit.fit.checkpoint import fingerprint, fingerprint_path
from clusterfit.fit.nested import run_nautilus
from clusterfit.fit.run import prepare
from clusterfit.fit.search import SearchConfig
from clusterfit.model.priors import PriorVector


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    from clusterfit.simulate import simulate

    return simulate(example_folder(), tmp_path_factory.mktemp("ck") / "ds", seed=4)


@pytest.fixture
def model(dataset, tmp_path):
    folder = tmp_path / "cluster"
    shutil.copytree(dataset, folder)
    return folder


def fit_argv(model, tmp_path, checkpoint):
    return ["fit", str(model), "-o", str(tmp_path / "res"), "--checkpoint", str(checkpoint), "--n-live", "50"]


def test_a_checkpoint_of_other_priors_is_refused_before_any_work(model, tmp_path, capsys):
    checkpoint = tmp_path / "run.h5"
    checkpoint.write_bytes(b"\x89HDF\r\n\x1a\n")
    fp = fingerprint(prepare(model), "source", 50, 2, 256, 1)
    fingerprint_path(checkpoint).write_text(json.dumps(fp))
    priors = model / "priors.csv"
    priors.write_text(priors.read_text().replace("Uniform,600.0,1200.0", "Uniform,500.0,1200.0"))
    assert main(fit_argv(model, tmp_path, checkpoint)) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "is the checkpoint of a fit with other priors" in out and "Delete it" in out
    assert "model tables" not in out  # only what changed is named
    assert not (tmp_path / "res").exists()
    mass = model / "mass.csv"
    mass.write_text(mass.read_text().replace("350.0", "360.0"))
    assert main(fit_argv(model, tmp_path, checkpoint)) == 1
    assert "other model tables or data, priors" in " ".join(capsys.readouterr().out.split())


def test_a_checkpoint_without_fingerprint_or_with_a_wrong_name_is_refused(model, tmp_path, capsys):
    checkpoint = tmp_path / "old.h5"
    checkpoint.write_bytes(b"nautilus")
    assert main(fit_argv(model, tmp_path, checkpoint)) == 1
    assert "has no readable fingerprint" in " ".join(capsys.readouterr().out.split())
    assert main(fit_argv(model, tmp_path, tmp_path / "run.chk")) == 1
    assert "must end in .h5 or .hdf5" in capsys.readouterr().out


def test_a_damaged_checkpoint_is_reported_and_the_search_restarts(tmp_path):
    priors = PriorVector(np.zeros(2, int), np.array([-5.0, -5.0]), np.array([5.0, 5.0]), np.zeros(2),
                         np.ones(2), ("a", "b"))

    def log_l(t):
        return -0.5 * np.sum(np.atleast_2d(t) ** 2, axis=-1)

    checkpoint = tmp_path / "run.h5"
    config = SearchConfig(n_live=50, n_eff=50, n_networks=1, checkpoint=checkpoint, progress=False)
    run_nautilus(log_l, priors, config, Console(quiet=True))
    data = checkpoint.read_bytes()
    checkpoint.write_bytes(data[: len(data) // 2])  # cut off mid-write
    console = Console(record=True, width=200)
    result = run_nautilus(log_l, priors, config, console)
    text = console.export_text()
    assert "cannot be read" in text and "starting the search afresh" in text
    assert (tmp_path / "run.h5.damaged").read_bytes() == data[: len(data) // 2]
    assert checkpoint.exists() and result.n_like > 0
    assert np.all(np.abs(result.quantiles([0.5])[0]) < 0.5)  # a real posterior: N(0, 1) per axis


def test_the_same_fit_may_resume_its_checkpoint(model, tmp_path):
    from clusterfit.fit.checkpoint import check_checkpoint

    fp = fingerprint(prepare(model), "source", 50, 2, 256, 1)
    checkpoint = tmp_path / "run.h5"
    check_checkpoint(checkpoint, fp)  # new: records the fingerprint
    assert json.loads(fingerprint_path(checkpoint).read_text()) == fp
    checkpoint.write_bytes(b"nautilus's file")
    assert check_checkpoint(checkpoint, fingerprint(prepare(model), "source", 50, 2, 256, 1)) == checkpoint
    with pytest.raises(ValueError, match="other likelihood, sampler settings"):
        check_checkpoint(checkpoint, fingerprint(prepare(model), "image", 60, 2, 256, 1))
