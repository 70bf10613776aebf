"""
Modeling: Cluster
=================

Fit a cluster lens model to its point datasets. The model is composed **entirely from the dataset folder's
CSVs**: main mass (``mass.csv``: BCGs and host halos), main light and source light (``light.csv``),
source points (``point.csv``), the scaling tier of cluster members (``scaling_galaxies.csv`` +
``scaling_relations.csv``) and the free parameters (``priors.csv``). Nothing names a galaxy: any dataset
folder works. If the dataset folder lacks ``data.fits`` or a model table, it is simulated first
(``dataset_guard.py``: from the embedded example, or from ``--model``).

Usage::

    python scripts/cluster/modeling.py --help
    python scripts/cluster/modeling.py                         # dataset/cluster → dataset/cluster/results
    python scripts/cluster/modeling.py my_dataset -o my_results --n-live 100
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

from dataset_guard import ensure_dataset
from simulator import DEFAULT_DATASET

import clusterfit as cf
from clusterfit import ClusterModel, PriorRow, ProfileRow, ScalingGalaxy, ScalingRelation

parser = argparse.ArgumentParser(description="Fit a cluster dataset folder (simulated first when data.fits "
                                 "or a model table is missing) and write the results folder.",
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
parser.add_argument("dataset_folder", nargs="?", type=Path, default=DEFAULT_DATASET, help="the dataset folder")
parser.add_argument("-o", "--output", type=Path, default=None,
                    help="the results folder (default: DATASET_FOLDER/results)")
parser.add_argument("--model", type=Path, default=None,
                    help="the model folder to simulate from when data is missing (default: the embedded example)")
parser.add_argument("--n-live", type=int, default=200, help="nautilus live points")
parser.add_argument("--n-eff", type=int, default=1000, help="effective posterior samples to reach")
parser.add_argument("--no-fit", action="store_true", help="stop after loading the model (no search)")
parser.add_argument("--no-autolens", action="store_true", help="skip the PyAutoLens section even if installed")
args = parser.parse_args()
dataset_folder = args.dataset_folder
results_folder = args.output or dataset_folder / "results"

"""
__Auto-simulate__

A fresh checkout has no data: the guard runs ``simulator.py`` when ``data.fits`` or a model table is
missing, and does nothing otherwise (the same guard as ``start_here.py``).
"""
ensure_dataset(dataset_folder, args.model)

"""
__Model__

One call reads every table. Each object knows the CSV row it came from, so what you see is what you wrote.
"""
try:
    model = cf.load_model(dataset_folder)
except ValueError as exc:  # every problem of the tables, with file, line and column: fix them and re-run
    raise SystemExit(f"error: {exc}") from None
print(model.summary())
for galaxy in model.galaxies.values():
    print(" ", galaxy)

"""
__The alternative: a whole model inline in Python__

The tables are plain rows, so a model can be composed in Python in a few lines and written as CSVs
(``cf.save_model(model, folder)``): a BCG and a dark halo, a scaling tier of members, a lensed source with
its light and point, and two free parameters. ``scripts/cluster/csv_api.py`` walks through every table.
"""
inline = ClusterModel(
    mass=(ProfileRow("mass", "bcg", "mass", "dPIEMass", dict(y=0.0, x=0.0, ellipticity=0.2, angle_pos=40.0,
                     sigma=350.0, r_core=0.2, r_cut=60.0), 0.3),
          ProfileRow("mass", "halo", "mass", "dPIEMass", dict(y=1.0, x=-2.0, ellipticity=0.3, angle_pos=35.0,
                     sigma=900.0, r_core=6.0, r_cut=1000.0), 0.3)),
    light=(ProfileRow("light", "arc", "bulge", "Sersic", dict(y=1.5, x=-1.0, ell_comps_0=0.1, ell_comps_1=0.0,
                      intensity=2.0, effective_radius=0.3, sersic_index=1.0), 1.5),),
    point=(ProfileRow("point", "arc", "point_0", "Point", dict(y=1.5, x=-1.0), 1.5),),
    scaling_galaxies=tuple(ScalingGalaxy(y, x, lum, 0.3) for y, x, lum in [(22.1, -24.7, 0.10), (18.8, 9.3, 0.14)]),
    scaling_relations=(ScalingRelation("members", "dPIEMassSph", 1.0, {
        "sigma_ref": 160.0, "sigma_exponent": 0.25, "r_core_ref": 0.05, "r_core_exponent": 0.5,
        "r_cut_ref": 15.0, "r_cut_exponent": 0.5}, 0.3),),
    priors=(PriorRow("halo", "mass", "sigma", "Uniform", lower=600.0, upper=1200.0),
            PriorRow("members", "scaling", "sigma_ref", "Uniform", lower=80.0, upper=300.0)),
)
print(f"inline model: {len(inline.galaxies)} galaxies, {len(inline.scaling_galaxies)} members, "
      f"{len(inline.free_parameters)} free parameters")

"""
For PyAutoLens users, the same model as an ``af.Collection`` of ``af.Model(al.Galaxy)`` through the bridge
(``cf.to_autolens_model``, docs/autolens.md): table values fixed, ``priors.csv`` rows as autofit priors, the members
sharing one relation prior, so the search has the same dimensions.
"""
if not args.no_autolens and importlib.util.find_spec("autolens") is not None:
    af_model = cf.to_autolens_model(inline)
    print(f"as af.Collection: {len(af_model.galaxies)} af.Model(al.Galaxy), {af_model.prior_count} free priors")
else:
    print("(PyAutoLens not used: to_autolens_model(inline) gives the af.Collection when autolens is installed)")

"""
__Search__

Nautilus nested sampling over the free parameters, with the source-plane likelihood (magnification-weighted,
the source positions solved analytically so they add no dimensions). Progress shows evaluations, rate, the
best χ² and the effective samples against ``n_eff``. ``n_live`` trades accuracy for time.
"""
if not args.no_fit:
    result = cf.fit(dataset_folder, results_folder,
                    config=cf.SearchConfig(n_live=args.n_live, n_eff=args.n_eff, n_networks=1),
                    overwrite=True)  # replaces the earlier run's results (only those files)

    """
    __Results__

    The results folder is a complete model folder (best-fit values written into the same tables), plus
    ``samples.csv``, ``summary.csv``, ``report.txt`` and the plots.
    """
    print(f"image-plane rms: {result.evaluation.rms_arcsec:.4f} arcsec over {result.evaluation.n_images} images")
    for name, path in sorted(result.files.items()):
        print(f"  {name:24s} {path}")
