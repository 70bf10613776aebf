"""
Modeling: Cluster
=================

Fit a cluster lens model to its point datasets. The model is composed **entirely from the dataset folder's
CSVs**: main mass (``mass.csv``: BCGs and the host halo), main light and source light (``light.csv``),
source points (``point.csv``), the scaling tier of cluster members (``scaling_galaxies.csv`` +
``scaling_relations.csv``) and the free parameters (``priors.csv``). If the dataset folder (or its model
CSVs) is missing, it is simulated first from the embedded example.

Usage::

    python scripts/cluster/modeling.py [DATASET_FOLDER] [RESULTS_FOLDER]
"""

from __future__ import annotations

import sys
from pathlib import Path

import clusterfit as cf
from clusterfit.fit.run import fit
from clusterfit.fit.search import SearchConfig

dataset_folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("dataset") / "cluster"
results_folder = Path(sys.argv[2]) if len(sys.argv) > 2 else dataset_folder / "results"

"""
__Auto-simulate__

A fresh checkout has no data: the simulator script makes it from the example's CSVs.
"""
if not (dataset_folder / "point_datasets.csv").exists() or not (dataset_folder / "mass.csv").exists():
    sys.path.insert(0, str(Path(__file__).parent))
    from simulator import simulate_cluster

    simulate_cluster(None, dataset_folder)

"""
__Model__

One call reads every table. Each object knows the CSV row it came from, so what you see is what you wrote.
"""
model = cf.load_model(dataset_folder)
print(model.summary())
print(model.galaxies["lens_0"])

"""
__The alternative: the same model inline in Python__

The tables are plain rows, so a model can be composed in Python and written as CSVs. This is the same
``lens_0`` mass row as in ``mass.csv``; ``save_model`` would write it back with the same header and values.
"""
from clusterfit.tables import ProfileRow  # noqa: E402

lens_0 = ProfileRow("mass", "lens_0", "mass", "dPIEMass",
                    {"y": 0.0, "x": 0.0, "ellipticity": 0.2, "angle_pos": 40.0, "sigma": 350.0,
                     "r_core": 0.2, "r_cut": 60.0}, redshift=0.3)
assert lens_0.values == model.galaxies["lens_0"].mass.values

"""
__Search__

Nautilus nested sampling over the free parameters, with the source-plane likelihood (magnification-weighted,
the source positions solved analytically so they add no dimensions). Progress shows evaluations, rate and
the best χ². ``n_live`` trades accuracy for time.
"""
result = fit(dataset_folder, results_folder, config=SearchConfig(n_live=200, n_eff=1000, n_networks=1),
             overwrite=True)  # replaces the earlier run's results (only those files)

"""
__Results__

The results folder is a complete model folder (best-fit values written into the same tables), plus
``samples.csv``, ``summary.csv``, ``report.txt`` and the plots.
"""
print(f"image-plane rms: {result.evaluation.rms_arcsec:.4f} arcsec over {result.evaluation.n_images} images")
for name, path in sorted(result.files.items()):
    print(f"  {name:24s} {path}")
