"""
Simulator: Cluster
==================

This script simulates the dataset of a galaxy cluster from its **model folder**: the CSV tables that are the
model (``mass.csv``, ``light.csv``, ``point.csv``, ``scaling_galaxies.csv``, ``scaling_relations.csv``,
``priors.csv``, optionally ``cosmology.csv`` and ``sky_reference.csv``). Nothing here is hard-coded: every
number comes from a CSV, so to simulate a different cluster you edit the tables, not this script.

It writes, into the dataset folder:

- ``data.fits`` (with ``noise_map.fits``, ``psf.fits`` and a preview ``data.png``): CCD imaging of the
  lens and lensed source light of ``light.csv``, convolved with a Gaussian PSF, with Poisson and read
  noise; with a WCS header (RA/Dec, North up) when the model folder has a ``sky_reference.csv``;
- ``point_datasets.csv``: every multiple image of every ``point.csv`` source, with position noise;
- copies of the model tables, so the dataset folder is itself a model folder and fitting needs nothing else.

Usage::

    python scripts/cluster/simulator.py --help
    python scripts/cluster/simulator.py                       # the embedded example → dataset/cluster
    python scripts/cluster/simulator.py -o my_dataset         # the embedded example → my_dataset
    python scripts/cluster/simulator.py my_model -o my_dataset
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_DATASET = Path("dataset") / "cluster"

"""
__Model__

The truth model is loaded from the folder. ``load_model`` checks every table and raises one error listing
every problem (file, line, column and a hint), so a typo in a CSV is caught here, not deep in a fit.
"""


def simulate_cluster(model_folder: Path | None = None, dataset_folder: Path | None = None,
                     seed: int = 1, positions_noise: float = 0.05, overwrite: bool | None = None) -> Path:
    """Simulate ``model_folder`` (default: the embedded example) into ``dataset_folder``
    (default ``dataset/cluster``); ``positions_noise`` is the 1σ position noise per axis in arcsec.
    ``overwrite=None`` replaces the files of an earlier simulation of that folder only (its manifest
    says so); files it did not write make it stop and name them (then pass ``True``)."""
    import clusterfit as cf  # here, not at the top: --help answers at once, without loading JAX

    model_folder = Path(model_folder or cf.example_folder())
    dataset_folder = Path(dataset_folder or DEFAULT_DATASET)
    if overwrite is None:
        overwrite = "simulate" in cf.read_manifest(dataset_folder)["runs"]
    model = cf.load_model(model_folder)
    print(model.summary())

    """
    __Simulate__

    ``simulate`` finds every image of every ``point.csv`` source with the image solver (a missed
    counter-image is a bug, not a tolerance), adds Gaussian position noise (``positions_noise`` arcsec per
    axis, seeded), renders the imaging (``imaging=True``: lens light plus ray-traced source light, PSF,
    sky and noise) and writes everything at once, beside verbatim copies of the model tables. With
    ``overwrite`` it replaces only the files it writes (docs/output.md).
    """
    out = cf.simulate(model_folder, dataset_folder, seed=seed, noise=cf.PointNoise(positions_noise=positions_noise),
                   imaging=True, overwrite=overwrite)
    for dataset in cf.load_model(out).point_datasets:
        print(f"{dataset.name}: {len(dataset.images)} images at z = {dataset.redshift}")
    sky = "with a WCS (sky_reference.csv)" if model.sky_reference is not None else "no WCS: no sky_reference.csv"
    print(f"data.fits written ({sky})")
    print(f"dataset written to {out}")
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Simulate a cluster model folder (CSV tables) into a dataset folder: data.fits (imaging "
                    "with PSF and noise), point_datasets.csv and copies of the model tables.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("model_folder", nargs="?", type=Path, default=None,
                        help="the model folder to simulate (default: the embedded example, "
                             "clusterfit.example_folder())")
    parser.add_argument("dataset_folder", nargs="?", type=Path, default=None,
                        help="the dataset folder to write (same as -o)")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help=f"the dataset folder to write (default: {DEFAULT_DATASET})")
    parser.add_argument("--seed", type=int, default=1, help="seed of the position and pixel noise")
    parser.add_argument("--positions-noise", type=float, default=0.05, help="1σ position noise per axis, arcsec")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace files that this script did not write itself (an earlier simulation's "
                             "files are always replaced; nothing else in the folder is touched)")
    args = parser.parse_args(argv)
    if args.output is not None and args.dataset_folder is not None:
        parser.error("give the dataset folder once: as the second argument or with -o")
    args.output = args.output or args.dataset_folder
    return args


if __name__ == "__main__":
    args = parse_args()
    try:
        simulate_cluster(args.model_folder, args.output, seed=args.seed, positions_noise=args.positions_noise,
                         overwrite=args.overwrite or None)
    except (ValueError, OSError) as exc:  # a bad table or an unwritable folder: one message, no traceback
        sys.exit(f"error: {exc}")
