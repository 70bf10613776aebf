"""
Start Here: Cluster Strong Lensing with CSV Tables
==================================================

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
spreads likelihood batches over processes.

This script walks the loop once: simulate the embedded example, fit it, show where the results are.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import clusterfit as cf

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
"""
sys.path.insert(0, str(Path(__file__).parent))
from simulator import simulate_cluster  # noqa: E402

dataset = simulate_cluster(model_folder, workspace / "dataset")

"""
__Fit__ (see ``modeling.py`` for the full script)
"""
from clusterfit.fit.run import fit  # noqa: E402
from clusterfit.fit.search import SearchConfig  # noqa: E402

result = fit(dataset, workspace / "results", config=SearchConfig(n_live=200, n_eff=800, n_networks=1),
             overwrite=True)  # replaces the earlier run's results (only those files)
print(f"image-plane rms {result.evaluation.rms_arcsec:.4f}\" — results in {result.folder}")
print("Now edit", model_folder / "mass.csv", "and run this script again.")
