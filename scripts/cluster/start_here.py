"""
Start Here: Cluster Strong Lensing with CSV Tables
==================================================

.. warning:: **Beta feature.** Cluster modelling from CSV tables is in beta: table columns, defaults and the
   Python API may still change between versions, and a fit is only as good as its priors and data. Check
   results that matter against an independent code (PyAutoLens, Lenstool) before you publish them, and
   please report what breaks.

**What is a cluster lens?** A galaxy cluster bends the light of galaxies far behind it. Where the bending is
strong, one background galaxy appears several times: its *multiple images*. Their positions constrain the
cluster's mass: a few bright central galaxies (BCGs), one or more dark-matter host halos, and tens to
hundreds of member galaxies whose masses follow a luminosity scaling relation.

**Why CSV?** In clusterfit a folder of CSV tables *is* the model. You can read it, diff it, edit it in a
spreadsheet, version it, and read it in PyAutoLens: the same file names, columns and classes, and
PyAutoLens's own readers (``al.galaxy_models_from_csv`` → ``al.galaxies_from_csv_tables`` → ``al.Tracer``
with the folder's cosmology) build the same lens, because every table clusterfit writes fills the
bookkeeping cells PyAutoLens needs (``redshift_source`` = the last plane, ...). Only a scaling tier, an
empty (free) cell or a source plane named only by ``point_datasets.csv`` needs ``clusterfit
export-autolens`` first (the example has a tier); see ``docs/autolens.md``. One file per profile family,
one row per profile, joined by galaxy name:

- ``point_datasets.csv``: the observed images (one row per image), the data you fit;
- ``mass.csv``, ``light.csv``, ``point.csv``: the profiles of named galaxies;
- ``scaling_galaxies.csv`` + ``scaling_relations.csv``: the members and their scaling law (the relation is
  clusterfit's own table; PyAutoLens gives members their mass in its modelling script);
- ``priors.csv``: which parameters are free, and their priors (clusterfit's own table).

**Edit a CSV, re-run.** Change a value (say ``sigma`` of ``lens_0`` in ``mass.csv``), re-simulate, refit.
The fit writes its best model back as the same tables, ready for the next run.

**Going faster.** The likelihood is one jitted JAX function of the free parameters, batched over many
parameter vectors at once; on a GPU, install ``jax[cuda]`` and the same code runs there. ``--pool N``
spreads likelihood batches over processes. Measured: the fit below (10 free parameters, 15 images, 33 mass
profiles; ``n_live`` 200, ``n_eff`` 800) took 138 s for 40,960 likelihood evaluations, and the whole
script 146 s with the dataset already simulated, on a 2-core CPU busy with other jobs (load average 8),
with ``/usr/bin/time python scripts/cluster/start_here.py /tmp/start_here`` (a second run; the script
prints the fit's own figure as ``fit: N likelihood evaluations, T s in all``).

This script walks the loop once: simulate the embedded example (only when the data are missing or a table of
your model folder changed), fit it, show where the results are.

Usage::

    python scripts/cluster/start_here.py [WORKSPACE]        # default: ./start_here
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import clusterfit as cf

"""
__Google Colab__

clusterfit is installed from a checkout of its git repository (``pip install`` of the checkout, as ``make
demo`` does); it has no published package or public URL of its own, so the cell below takes the URL of the
repository you use from one variable. In a Colab notebook (Python ≥ 3.11), fill it in and run the cell
first: it clones that repository, installs clusterfit from the checkout, then runs this script::

    CLUSTERFIT_GIT_URL = ""  # the git URL of your clusterfit repository (e.g. your fork); nothing is preset
    assert CLUSTERFIT_GIT_URL, "set CLUSTERFIT_GIT_URL to the git URL of your clusterfit repository"
    !git clone --depth 1 {CLUSTERFIT_GIT_URL} clusterfit
    !pip install -q ./clusterfit
    %run clusterfit/scripts/cluster/start_here.py

Colab's GPU runtime runs the same code on the GPU after ``!pip install -q "jax[cuda12]"``.
"""

workspace = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("start_here")

"""
__Your model folder__

Copy the embedded example so you can edit it.
"""
model_folder = workspace / "model"
if not model_folder.exists():
    shutil.copytree(cf.example_folder(), model_folder)
model = cf.load_model(model_folder)
print(model.summary())

"""
__Simulate__ (see ``simulator.py``)

The same guard as ``modeling.py``: the dataset is simulated from your model folder when ``data.fits``,
``point_datasets.csv`` or a model table is missing, or when you edited a table of the model folder since;
otherwise the existing dataset is used.
"""
from dataset_guard import ensure_dataset  # noqa: E402  (beside this script: python and %run find it)

dataset = workspace / "dataset"
ensure_dataset(dataset, model_folder)

"""
__Fit__ (see ``modeling.py`` for the full script)
"""
start = time.perf_counter()
result = cf.fit(dataset, workspace / "results", config=cf.SearchConfig(n_live=200, n_eff=800, n_networks=1),
                overwrite=True)  # replaces the earlier run's results (only those files)
print(f"image-plane rms {result.evaluation.rms_arcsec:.4f}\" — results in {result.folder}")
print(f"fit: {result.search.n_like:,} likelihood evaluations, {time.perf_counter() - start:.0f} s in all")
print("Now edit", model_folder / "mass.csv", "and run this script again.")
