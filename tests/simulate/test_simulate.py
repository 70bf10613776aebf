"""simulate → dataset folder; evaluate on it."""

import json

import pytest

from clusterfit import example_folder, load_model
from clusterfit.cli import main
from clusterfit.tables import TABLE_FILES


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    from clusterfit.simulate import simulate

    return simulate(example_folder(), tmp_path_factory.mktemp("sim") / "ds", seed=3)


def test_dataset_folder_carries_the_model_tables_byte_for_byte(dataset):
    for name in TABLE_FILES:
        if name != "point_datasets.csv" and (example_folder() / name).exists():
            assert (dataset / name).read_bytes() == (example_folder() / name).read_bytes(), name
    model, ds = load_model(example_folder()), load_model(dataset)
    assert ds.mass == model.mass and ds.scaling_galaxies == model.scaling_galaxies
    assert ds.priors == model.priors


def test_every_source_has_an_odd_number_of_images_with_alternating_parities(dataset):
    from clusterfit.model import compose
    from clusterfit.simulate import solve_point_sources

    solved = solve_point_sources(compose(load_model(dataset)))
    for name, (_, images) in solved.items():
        n = len(images.y)
        assert n % 2 == 1, (name, n)  # non-singular (cored) lenses, sources away from caustics
        # odd number of images: positive-parity images outnumber negative ones by exactly one
        assert (images.parity > 0).sum() - (images.parity < 0).sum() == 1, images.parity
    ds = load_model(dataset).point_datasets
    assert [d.name for d in ds] == ["point_0", "point_1", "point_2"]
    assert all(len(d.images) == len(solved[d.name][1].y) for d in ds)


def test_existing_dataset_is_not_overwritten(dataset, capsys):
    before = (dataset / "point_datasets.csv").read_bytes()
    assert main(["simulate", str(example_folder()), "-o", str(dataset)]) == 1
    assert "--overwrite" in capsys.readouterr().out.replace("\n", " ")
    assert (dataset / "point_datasets.csv").read_bytes() == before


def test_evaluate_reports_rms_near_the_noise(dataset, capsys):
    assert main(["evaluate", str(dataset), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) >= {"rms_arcsec", "chi2", "n_images", "systems"}
    assert result["n_images"] == sum(len(d.images) for d in load_model(dataset).point_datasets)
    # 0.05" per axis: the expected rms is √2·0.05 reduced by the fitted source positions
    assert 0.03 < result["rms_arcsec"] < 0.09
    assert result["n_missing"] == 0


def test_no_noise_reproduces_exact_positions(tmp_path):
    from clusterfit.fit.evaluate import evaluate_model
    from clusterfit.simulate import PointNoise, simulate

    out = simulate(example_folder(), tmp_path / "exact", noise=PointNoise(add=False))
    ev = evaluate_model(load_model(out))
    assert ev.rms_arcsec < 1e-6
    assert {im.positions_noise for im in load_model(out).point_images} == {0.05}
