"""
Simulator: Cluster
==================

This script simulates the point-source dataset of a galaxy cluster from its **model folder**: the CSV tables
that are the model (``mass.csv``, ``light.csv``, ``point.csv``, ``scaling_galaxies.csv``,
``scaling_relations.csv``, ``priors.csv``). Nothing here is hard-coded: every number comes from a CSV, so
to simulate a different cluster you edit the tables, not this script.

Usage::

    python scripts/cluster/simulator.py [MODEL_FOLDER] [DATASET_FOLDER]

Both default to the embedded example (``clusterfit.example_folder()``) and ``dataset/cluster``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import clusterfit as cf
from clusterfit.simulate import PointNoise, simulate

"""
__Model__

The truth model is loaded from the folder. ``load_model`` checks every table and raises one error listing
every problem (file, line, column and a hint), so a typo in a CSV is caught here, not deep in a fit.
"""


def simulate_cluster(model_folder: Path | None = None, dataset_folder: Path | None = None,
                     seed: int = 1, overwrite: bool = True) -> Path:
    """Simulate ``model_folder`` (default: the embedded example) into ``dataset_folder``."""
    model_folder = Path(model_folder or cf.example_folder())
    dataset_folder = Path(dataset_folder or Path("dataset") / "cluster")
    model = cf.load_model(model_folder)
    print(model.summary())

    """
    __Simulate__

    ``simulate`` finds every image of every ``point.csv`` source with the image solver (a missed
    counter-image is a bug, not a tolerance), adds Gaussian position noise (``positions_noise`` arcsec per
    axis, seeded) and writes ``point_datasets.csv`` beside verbatim copies of the model tables: the dataset
    folder is itself a model folder, so fitting needs nothing else.
    """
    out = simulate(model_folder, dataset_folder, seed=seed, noise=PointNoise(positions_noise=0.05),
                   overwrite=overwrite)
    for dataset in cf.load_model(out).point_datasets:
        print(f"{dataset.name}: {len(dataset.images)} images at z = {dataset.redshift}")
    print(f"dataset written to {out}")
    return out


if __name__ == "__main__":
    args = [Path(a) if a else None for a in sys.argv[1:3]]
    simulate_cluster(*args)
