"""The one auto-simulate guard of ``modeling.py`` and ``start_here.py``: simulate when data is missing.

A fresh checkout has no data. :func:`ensure_dataset` runs the simulator (``simulator.py``) when the dataset
folder lacks ``data.fits``, ``point_datasets.csv`` or one of the model tables of the model folder it is
simulated from, or when a table of an explicitly given model folder was edited after the dataset was
simulated. A folder of your own data (one the simulator did not write) is never re-simulated: it is used
as it is, and a missing table is reported.
"""

from __future__ import annotations

import os
from pathlib import Path

import clusterfit as cf

__all__ = ["ensure_dataset", "needs_simulation"]

#: Set to 1 to make the scripts stop after the guard and the model (used by the tests).
NO_FIT = "CLUSTERFIT_SCRIPTS_NO_FIT"


def _model_tables(model_folder: Path) -> list[str]:
    return [n for n in cf.TABLE_FILES if n != "point_datasets.csv" and (model_folder / n).exists()]


def needs_simulation(dataset_folder: Path, model_folder: Path | None = None) -> list[str]:
    """Why ``dataset_folder`` must be (re-)simulated from ``model_folder`` (default: the embedded
    example): the missing files, and the model tables edited since; empty when it is up to date."""
    dataset_folder = Path(dataset_folder)
    source = Path(model_folder or cf.example_folder())
    wanted = ["data.fits", "point_datasets.csv", *_model_tables(source)]
    reasons = [f"no {name}" for name in wanted if not (dataset_folder / name).exists()]
    if model_folder is not None and not reasons:
        simulated = (dataset_folder / "point_datasets.csv").stat().st_mtime
        reasons += [f"{source / n} edited" for n in _model_tables(source)
                    if (source / n).stat().st_mtime > simulated]
    return reasons


def ensure_dataset(dataset_folder: str | os.PathLike, model_folder: str | os.PathLike | None = None) -> bool:
    """Simulate ``model_folder`` (default: the embedded example) into ``dataset_folder`` when
    :func:`needs_simulation` says so; returns whether it simulated. A folder with a ``point_datasets.csv``
    the simulator did not write (your own data) is left as it is."""
    dataset_folder = Path(dataset_folder)
    model = None if model_folder is None else Path(model_folder)
    reasons = needs_simulation(dataset_folder, model)
    if not reasons:
        print(f"{dataset_folder}: data and model tables present, not simulated again")
        return False
    own_data = (dataset_folder / "point_datasets.csv").exists() and \
        "simulate" not in cf.read_manifest(dataset_folder)["runs"]
    if own_data:
        if not (dataset_folder / "mass.csv").exists():
            raise SystemExit(f"error: {dataset_folder} has point_datasets.csv but no mass.csv: it is your data, "
                             "not a simulation, so it is not simulated over; add its model tables")
        print(f"{dataset_folder}: your own data ({', '.join(reasons)}); used as it is")
        return False
    from simulator import simulate_cluster

    print(f"{dataset_folder}: {', '.join(reasons)}: simulating it from {model or 'the embedded example'}")
    simulate_cluster(model, dataset_folder)
    return True
