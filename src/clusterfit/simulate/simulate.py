"""``simulate``: a model folder → a dataset folder (DESIGN.md §5).

The dataset folder gets ``point_datasets.csv`` (and optionally imaging FITS files) plus verbatim copies of
the model tables, so it is also a model folder. It is built in a temporary sibling folder and renamed into
place, so a failure never leaves a half-written dataset; an existing folder is replaced only with
``overwrite=True``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ..model import compose
from ..physics.solver import SolverConfig
from ..tables import TABLE_FILES, load_model
from ..tables.bookkeeping import fix_bookkeeping
from ..tables.csvio import write_files_atomic
from ..tables.datasets import render_point_datasets
from .point import PointNoise, simulate_point_datasets

__all__ = ["simulate"]


def simulate(
    model_folder: str | Path,
    dataset_folder: str | Path,
    *,
    seed: int | None = 1,
    noise: PointNoise = PointNoise(),
    time_delays: bool = False,
    imaging: bool = False,
    overwrite: bool = False,
    solver: SolverConfig | None = None,
) -> Path:
    """Simulate ``model_folder`` into ``dataset_folder``; returns the dataset folder path."""
    src, dest = Path(model_folder), Path(dataset_folder)
    if dest.exists() and not overwrite:
        raise FileExistsError(f"{dest} exists; pass overwrite=True (--overwrite) to replace it")
    model = load_model(src)
    if not model.point:
        raise ValueError(f"{src / 'point.csv'}: no point sources to simulate; add rows such as "
                         "source_0,point_0,Point,<y>,<x>,<redshift>")
    composed = compose(model)
    images = simulate_point_datasets(composed, noise, seed, time_delays, solver)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        for name in TABLE_FILES:
            if name != "point_datasets.csv" and (src / name).exists():
                shutil.copyfile(src / name, tmp / name)
        write_files_atomic(tmp, {"point_datasets.csv": render_point_datasets(list(images))})
        fix_bookkeeping(tmp, model)  # mass.csv's copy: PyAutoLens's bookkeeping cells filled, others verbatim
        if imaging:
            from .imaging import ImagingConfig, simulate_imaging, write_imaging

            config = ImagingConfig()
            write_imaging(simulate_imaging(composed, config, seed), tmp, config)
        if dest.exists():
            old = dest.with_name(f".{dest.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            dest.rename(old)
            tmp.rename(dest)
            shutil.rmtree(old)
        else:
            tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest
