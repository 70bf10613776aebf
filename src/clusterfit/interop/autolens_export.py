"""``clusterfit export-autolens``: a model folder written for PyAutoLens's own CSV loaders.

Every folder clusterfit writes already reads in PyAutoLens as the same lens (its bookkeeping cells are
filled, :mod:`clusterfit.tables.bookkeeping`); the export is needed only for what PyAutoLens's tables
cannot express: scaling tiers, empty (free) cells, and source planes named only by ``point_datasets.csv``
(docs/autolens.md). PyAutoLens reads ``mass.csv``, ``light.csv``, ``point.csv`` (``al.galaxy_models_from_csv`` →
``al.galaxies_from_csv_tables``) and ``point_datasets.csv`` (``al.list_from_csv``); it ignores our
``scaling_relations.csv``, ``priors.csv`` and ``cosmology.csv``, and leaves a blank cell free. So the
exported folder holds the model at one parameter vector (the table values; free cells at their prior
median) with

* every scaling-tier member expanded into its own ``mass.csv`` row ``<tier>_<i>`` (relation-derived
  parameters), and no ``scaling_galaxies.csv`` / ``scaling_relations.csv`` / ``priors.csv`` (a member
  catalogue without tiers, as PyAutoLens writes it, is kept);
* every dPIE/NFW bookkeeping cell filled: ``redshift_object`` = the galaxy redshift,
  ``redshift_source`` = the last plane of our tracer, ``H0``/``Om0`` = the model cosmology (docs/autolens.md);
* ``cosmology.csv`` kept (it still loads in clusterfit), and ``load_in_autolens.py``: the calls that
  read the folder in PyAutoLens and build the tracer with the model cosmology.

The folder is written under the output policy (:mod:`clusterfit.output`, docs/output.md): its files all at
once, existing ones replaced only with ``overwrite``, nothing else in ``out`` touched. For the fit itself use :func:`clusterfit.interop.autolens.to_autolens_model`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..output import output_folder
from ..registry import get_spec
from ..tables import ClusterModel, ProfileRow
from ..tables.model import TABLE_FILES, render_model
from .autolens_tracer import resolved_model

__all__ = ["autolens_tables", "export_autolens", "load_script"]


def _bookkeeping(profile_class: str, values: dict, z: float, z_last: float, model: ClusterModel) -> dict:
    filled = {"redshift_object": z, "redshift_source": z_last, "H0": model.cosmology.H0,
              "Om0": model.cosmology.Om0}
    out = dict(values)
    for p in get_spec(profile_class, "mass").parameters:
        if p.bookkeeping:
            out[p.name] = filled[p.name]
    return out


def autolens_tables(model: ClusterModel, theta=None) -> ClusterModel:
    """``model`` as PyAutoLens reads it: members expanded, bookkeeping filled, free cells at θ
    (default: table values / prior medians), no tiers and no priors."""
    composed, filled, theta = resolved_model(model, theta)
    z_last = float(composed.layout.plane_redshifts[-1])
    galaxies = filled.galaxies
    mass = [ProfileRow("mass", r.galaxy, r.attr_name, r.profile_class,
                       _bookkeeping(r.profile_class, r.values, galaxies[r.galaxy].redshift, z_last, filled),
                       r.redshift) for r in filled.mass]
    params = composed.group_params(theta)
    for g, src in enumerate(composed.groups):
        if src.relation is None:
            continue
        spec = get_spec(src.profile_class, "mass")
        cols = [c for p in spec.physical_parameters for c in p.columns]
        arrays = {c: np.asarray(params[g][c]) for c in cols}
        for i in range(len(arrays["y"])):
            name = f"{src.relation.tier}_{i}"
            if name in galaxies:
                raise ValueError(f"member galaxy name {name!r} clashes with a galaxy of the tables")
            values = _bookkeeping(src.profile_class, {c: float(a[i]) for c, a in arrays.items()},
                                  float(src.redshift), z_last, filled)
            mass.append(ProfileRow("mass", name, "mass", src.profile_class, values, float(src.redshift)))
    # members of tiers are now mass.csv rows; a catalogue without tiers (a PyAutoLens folder) stays as it is
    members = () if filled.scaling_relations else filled.scaling_galaxies
    return filled.replace(mass=tuple(mass), scaling_galaxies=members, scaling_relations=(), priors=())


def load_script(model: ClusterModel) -> str:
    """The text of ``load_in_autolens.py`` for an exported folder of ``model``."""
    families = [f for f in ("mass", "light", "point") if model.family(f)]
    datasets = bool(model.point_images)
    lines = [
        '"""Load this folder in PyAutoLens (written by `clusterfit export-autolens`; docs/autolens.md)."""',
        "",
        "from pathlib import Path",
        "",
        "import autolens as al",
        "",
        "folder = Path(__file__).resolve().parent",
        "# 1. every galaxy of mass.csv / light.csv / point.csv, by name (members are rows <tier>_<i>)",
        "galaxies = al.galaxies_from_csv_tables(",
        f"    *(al.galaxy_models_from_csv(folder / f\"{{f}}.csv\", f) for f in {tuple(families)!r}))",
    ]
    if datasets:
        lines += [
            "# 2. the observed images, one al.PointDataset per source",
            'datasets = al.list_from_csv(folder / "point_datasets.csv")',
            "# a source plane that only a dataset names gets an empty galaxy: the tracer must end on the",
            "# plane every dPIE's redshift_source names",
            "planes = {g.redshift for g in galaxies.values()}",
            "empty = [al.Galaxy(redshift=z) for z in sorted({d.redshift for d in datasets} - planes)]",
        ]
    else:
        lines += ["# 2. (this folder has no point_datasets.csv)", "datasets, empty = [], []"]
    lines += [
        "# 3. the tracer, with the model cosmology (al.Tracer's default is Planck15)",
        "tracer = al.Tracer(galaxies=[*galaxies.values(), *empty],",
        f"                   cosmology=al.cosmo.FlatLambdaCDM(H0={model.cosmology.H0!r}, "
        f"Om0={model.cosmology.Om0!r}))",
        "",
    ]
    return "\n".join(lines)


def export_autolens(model: ClusterModel, out: str | Path, overwrite: bool = False, theta=None,
                    notes: list[str] | None = None) -> Path:
    """Write :func:`autolens_tables` of ``model`` and ``load_in_autolens.py`` into the folder ``out``
    under the output policy (:mod:`clusterfit.output`); ``out`` may not be the model's own folder."""
    tables = autolens_tables(model, theta)
    contents: dict[str, str] = {**render_model(tables), "load_in_autolens.py": load_script(tables)}
    inputs = [] if model.folder is None else [model.folder]
    with output_folder(out, "export-autolens", owned=contents, inputs=inputs, overwrite=overwrite,
                       companions=TABLE_FILES) as folder:
        folder.write_all(contents)
    if notes is not None:
        notes.extend(folder.notes)
    return Path(out)
