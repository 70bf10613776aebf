"""``simulate``: a model folder → a dataset folder (docs/cli.md).

The dataset folder gets ``point_datasets.csv`` (and optionally imaging FITS files) plus verbatim copies of
the model tables, so it is also a model folder. Written under the output policy (:mod:`clusterfit.output`,
docs/output.md): all files at once when the run succeeded, only the files ``simulate`` writes, existing ones
replaced only with ``overwrite``. Simulating a folder into itself is an in-place edit: its model tables are
the input and stay as they are; only ``point_datasets.csv`` (and the imaging files) are replaced.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..model import compose
from ..output import output_folder
from ..physics.solver import SolverConfig
from ..tables import TABLE_FILES, load_model
from ..tables.bookkeeping_fix import fix_bookkeeping
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
    notes: list[str] | None = None,
) -> Path:
    """Simulate ``model_folder`` into ``dataset_folder``; returns the dataset folder path.

    ``dataset_folder`` may be ``model_folder`` itself (new images for the edited model, in place).
    ``notes`` receives what a user should know about files left in the folder."""
    src, dest = Path(model_folder), Path(dataset_folder)
    in_place = dest.resolve() == src.resolve()
    tables = [] if in_place else [n for n in TABLE_FILES if n != "point_datasets.csv" and (src / n).exists()]
    imaging_files = ["data.fits", "noise_map.fits", "psf.fits", "data.png"] if imaging else []
    with output_folder(dest, "simulate", owned=[*tables, "point_datasets.csv", *imaging_files], inputs=[src],
                       in_place=True, overwrite=overwrite,
                       companions=() if in_place else TABLE_FILES) as out:
        model = load_model(src)
        if not model.point:
            raise ValueError(f"{src / 'point.csv'}: no point sources to simulate; add rows such as "
                             "source_0,point_0,Point,<y>,<x>,<redshift>")
        composed = compose(model)
        images = simulate_point_datasets(composed, noise, seed, time_delays, solver)
        for name in tables:
            shutil.copyfile(src / name, out.path(name))
        if tables:  # mass.csv's copy: PyAutoLens's bookkeeping cells filled, every other cell verbatim
            fix_bookkeeping(out.staging, model)
        out.write("point_datasets.csv", render_point_datasets(list(images)))
        if imaging:
            from .imaging import ImagingConfig, simulate_imaging
            from .imaging_io import write_imaging

            config = ImagingConfig()
            imaging_out = simulate_imaging(composed, config, seed)
            write_imaging(imaging_out, out.staging, imaging_out.config, sky=model.sky_reference)
    if notes is not None:
        notes.extend(out.notes)
    return dest
