"""
Cluster: CSV API
================

In clusterfit a galaxy-cluster strong lens is **a folder of CSV tables**. Every command reads the
folder, and every result is written back as the same tables; the Python objects you get from
``clusterfit.load_model`` are typed, read-only views of rows, each knowing the file and line it came
from. There is no second source of truth.

This script is a guided tour of those tables. It:

 1. explains ``point_datasets.csv`` (the observed multiple images) with a small illustrative file;
 2. builds a small cluster model in plain Python from clusterfit's row objects, writes it with
    ``save_model``, prints every CSV, loads it back (the same model) and shows which Python attribute
    a CSV cell becomes;
 3. explains why there is one CSV per profile family, how galaxy names join them, and when a galaxy
    goes in ``mass.csv`` rather than in the scaling tier;
 4. adds ``priors.csv`` to make parameters free, and explains ``scaling_relations.csv``;
 5. shows the same tables as pandas DataFrames;
 6. when PyAutoLens is installed, builds the same cluster with the normal PyAutoLens API (``al.Galaxy``,
    ``al.mp``, ``al.lp``, ``al.ps``), writes it with ``al.galaxy_models_to_csv``, reads it with clusterfit
    and back into PyAutoLens (skipped, with a note, without it).

Run it with::

    .venv/bin/python scripts/cluster/csv_api.py            # writes into a temporary folder
    .venv/bin/python scripts/cluster/csv_api.py my_tour    # keeps the folders under my_tour/

The full reference of every table and column is ``docs/csv_format.md``.
"""

import importlib.util
import logging
import sys
import tempfile
from pathlib import Path

import clusterfit as cf
from clusterfit import (
    ClusterModel,
    CsvErrors,
    PointImage,
    PriorRow,
    ProfileRow,
    ScalingGalaxy,
    ScalingRelation,
    diff_models,
    with_bookkeeping,
)

"""
__Where files go__

By default everything is written into a temporary folder that is deleted at the end. Give a folder on
the command line to keep the tables and look at them (or open them in a spreadsheet) afterwards.
"""
if len(sys.argv) > 1:
    _tmp = None
    root = Path(sys.argv[1])
    root.mkdir(parents=True, exist_ok=True)
else:
    _tmp = tempfile.TemporaryDirectory(prefix="clusterfit_csv_api_")
    root = Path(_tmp.name)


def banner(title: str) -> None:
    print()
    print("=" * 100)
    print(title)
    print("=" * 100)


def show_csv(folder: Path, name: str) -> None:
    """Print a CSV file exactly as it is on disk, with its line numbers (header = line 1)."""
    print(f"--- {name} " + "-" * (95 - len(name)))
    for i, line in enumerate((folder / name).read_text().splitlines(), start=1):
        print(f"{i:>3} | {line}")


"""
__Point Datasets__

``point_datasets.csv`` holds the data of a point-source fit: one row per observed image.

 - ``name``: which source the image belongs to. All rows with the same ``name`` are one source's
   dataset, in the order the rows appear. The name is the ``attr_name`` of that source's row in
   ``point.csv`` (``point_0`` below), which is how data and model are paired.
 - ``y``, ``x``: the observed image position in arcsec, **(y, x) order**, the same frame as every
   other table (+x to the West/right, +y to the North/up).
 - ``positions_noise``: the 1-sigma position uncertainty in arcsec (> 0).
 - optional groups: ``flux, flux_noise``; ``time_delay, time_delay_noise`` (days); ``redshift`` (the
   source redshift). A group is either filled on every image of a source or on none.

The file below is **illustrative only**: made-up positions, not paired with the model built in the next
step. The real one is made by ``clusterfit simulate FOLDER -o OUT``, which solves the lens equation for
every image of every source of a model folder, adds noise and writes ``point_datasets.csv`` beside a
copy of the model tables (PyAutoLens writes the same file with ``al.output_to_csv``).
"""
banner("1. point_datasets.csv: one row per observed image (illustrative, not paired with a model)")

datasets_folder = root / "datasets_only"
datasets_folder.mkdir(parents=True, exist_ok=True)
(datasets_folder / "point_datasets.csv").write_text(
    "name,y,x,positions_noise,flux,flux_noise,redshift\n"
    "point_0,12.1,-3.4,0.05,1.8,0.1,1.5\n"
    "point_0,-8.7,4.2,0.05,2.6,0.1,1.5\n"
    "point_0,3.3,15.9,0.05,0.9,0.1,1.5\n"
    "point_1,20.4,-11.0,0.05,3.1,0.2,2.0\n"
    "point_1,-14.2,9.8,0.05,1.2,0.2,2.0\n"
)
show_csv(datasets_folder, "point_datasets.csv")

"""
A folder holding only ``point_datasets.csv`` is a valid (data-only) folder, so ``load_model`` reads it.
``model.point_datasets`` groups the rows by ``name``; each :class:`PointDataset` gives its positions,
noise, fluxes and redshift, and each image remembers its CSV line.
"""
data_only = cf.load_model(datasets_folder)

"""
The same file from Python: one :class:`PointImage` per row. ``save_model`` writes exactly the text above
(only the optional groups some image uses get columns).
"""
images = tuple(
    PointImage(name, y, x, 0.05, flux=flux, flux_noise=noise, redshift=z)
    for name, y, x, flux, noise, z in [
        ("point_0", 12.1, -3.4, 1.8, 0.1, 1.5), ("point_0", -8.7, 4.2, 2.6, 0.1, 1.5),
        ("point_0", 3.3, 15.9, 0.9, 0.1, 1.5), ("point_1", 20.4, -11.0, 3.1, 0.2, 2.0),
        ("point_1", -14.2, 9.8, 1.2, 0.2, 2.0),
    ]
)
from_python = root / "datasets_from_python"
cf.save_model(ClusterModel(point_images=images), from_python)
same = (from_python / "point_datasets.csv").read_text() == \
    (datasets_folder / "point_datasets.csv").read_text()
print()
print(f"PointImage rows → save_model → the same point_datasets.csv text: {same}")
print()
print("loaded:")
for dataset in data_only.point_datasets:
    print(f"  {dataset!r}")
    print(f"      positions       = {dataset.positions}")
    print(f"      positions_noise = {dataset.positions_noise}")
    print(f"      fluxes          = {dataset.fluxes}")
    print(f"      images[0].source = {dataset.images[0].source}")

"""
__A Cluster Model In Python__

Now a small cluster, built from the same row objects that ``load_model`` returns:

 - two bright cluster galaxies (``lens_0``, ``lens_1``): a ``dPIEMass`` mass profile (Lenstool's
   parameters: ``sigma`` in km/s, ``r_core`` and ``r_cut`` in arcsec, ``ellipticity`` =
   (a²−b²)/(a²+b²), ``angle_pos`` in degrees counter-clockwise from +x) and a ``Sersic`` light profile;
 - a host dark-matter halo (``halo``): an ``NFWMCRLudlowSph`` (``mass_at_200`` in solar masses);
 - a scaling tier (``members``) of four cluster members, each one row of ``scaling_galaxies.csv``
   (position and luminosity), whose ``dPIEMassSph`` parameters follow the tier's row of
   ``scaling_relations.csv``;
 - two background sources with a light profile and a point source each (``Point``: a source-plane
   position; ``PointFlux``: position and intrinsic flux).

A :class:`ProfileRow` is one row of ``mass.csv``, ``light.csv`` or ``point.csv``: family, galaxy name,
``attr_name`` (the attribute the profile is on the galaxy, e.g. ``mass``, ``bulge``, ``point_0``),
``profile_class``, the parameter values **by CSV column** (``centre`` is the two columns ``y``, ``x``;
``ell_comps`` is ``ell_comps_0``, ``ell_comps_1``) and the galaxy redshift.
"""
banner("2. a cluster model built in Python, written with save_model, loaded back")

Z_LENS = 0.3


def dpie(galaxy, y, x, ellipticity, angle_pos, sigma, r_core, r_cut):
    values = dict(y=y, x=x, ellipticity=ellipticity, angle_pos=angle_pos, sigma=sigma,
                  r_core=r_core, r_cut=r_cut)
    return ProfileRow("mass", galaxy, "mass", "dPIEMass", values, Z_LENS)


def sersic(galaxy, y, x, e1, e2, intensity, effective_radius, sersic_index, redshift):
    values = dict(y=y, x=x, ell_comps_0=e1, ell_comps_1=e2, intensity=intensity,
                  effective_radius=effective_radius, sersic_index=sersic_index)
    return ProfileRow("light", galaxy, "bulge", "Sersic", values, redshift)


mass = (
    dpie("lens_0", 0.0, 0.0, 0.2, 40.0, 350.0, 0.2, 60.0),
    dpie("lens_1", 18.0, -14.0, 0.15, 120.0, 280.0, 0.15, 40.0),
    ProfileRow("mass", "halo", "mass", "NFWMCRLudlowSph", dict(y=1.0, x=-2.0, mass_at_200=1.2e15),
               Z_LENS),
)
light = (
    sersic("lens_0", 0.0, 0.0, 0.05, 0.1, 0.8, 5.0, 4.0, Z_LENS),
    sersic("lens_1", 18.0, -14.0, 0.03, -0.06, 0.5, 3.5, 4.0, Z_LENS),
    sersic("source_0", 1.5, -1.0, 0.1, 0.0, 2.0, 0.3, 1.0, 1.5),
    ProfileRow("light", "source_1", "bulge", "Gaussian",
               dict(y=0.5, x=-2.5, ell_comps_0=0.0, ell_comps_1=0.15, intensity=2.0, sigma=0.2), 2.0),
)
point = (
    ProfileRow("point", "source_0", "point_0", "Point", dict(y=1.5, x=-1.0), 1.5),
    ProfileRow("point", "source_1", "point_1", "PointFlux", dict(y=0.5, x=-2.5, flux=1.0), 2.0),
)

"""
Members are usually given by magnitude; the luminosity only enters as L / L_ref, so any consistent unit
works. Here L = 10^(0.4 (mag_ref − mag)) with mag_ref = 18, i.e. L = 1 at magnitude 18. Extra catalogue
columns (``mag``, ``id``, ``tier``, ...) are kept, shown and written back; the physics uses y, x and
luminosity.
"""
MAG_REF = 18.0
catalogue = [("m000", 22.105, -24.716, 21.85), ("m001", 18.755, 9.342, 21.48),
             ("m002", -32.73, 10.572, 18.52), ("m003", 8.501, 33.056, 19.62)]
members = tuple(
    ScalingGalaxy(y, x, 10 ** (0.4 * (MAG_REF - mag)), Z_LENS, {"mag": mag, "id": ident})
    for ident, y, x, mag in catalogue
)
relations = (
    ScalingRelation("members", "dPIEMassSph", 1.0,
                    {"sigma_ref": 160.0, "sigma_exponent": 0.25, "r_core_ref": 0.05,
                     "r_core_exponent": 0.5, "r_cut_ref": 15.0, "r_cut_exponent": 0.5}, Z_LENS),
)

model = ClusterModel(mass=mass, light=light, point=point, scaling_galaxies=members,
                     scaling_relations=relations)

"""
__Write, Print, Load__

``save_model`` writes every non-empty table atomically (temporary files, then rename). Floats are
written with ``repr`` precision, so writing and reading back is exact. Note the **sparse columns**: a
file's header is the union of the columns its rows use, and a row leaves empty the cells its class does
not take (the halo row has no ``sigma``; ``lens_0`` has no ``mass_at_200``). ``cosmology.csv`` is not
written because the model uses the default cosmology (flat ΛCDM, H0 = 67.66, Om0 = 0.30966). The dPIE
and NFW rows get PyAutoLens's bookkeeping cells filled (``redshift_object`` = the galaxy redshift,
``redshift_source`` = the last plane, ``H0``, ``Om0``), which PyAutoLens's own readers need to build the
same lens (docs/autolens.md); our physics does not read them.
"""
model_folder = root / "my_cluster"
cf.save_model(model, model_folder)
written = [name for name in cf.TABLE_FILES if (model_folder / name).exists()]
print(f"save_model wrote {', '.join(written)} into {model_folder}")
print()
for name in written:
    show_csv(model_folder, name)

loaded = cf.load_model(model_folder)

"""
__The Same Model, Back__

The loaded model is the model we built: equal as Python objects (``==`` compares every row and value;
``save_model`` adds only PyAutoLens's bookkeeping cells, ``with_bookkeeping``), and no cell differs
(:func:`clusterfit.tables.diff.diff_models`, the ``clusterfit diff`` command). Every cell is a value of a
named attribute; a few of them (the cell-by-cell check of every table is in the tests):
"""
built = with_bookkeeping(model)  # what save_model writes: the PyAutoLens bookkeeping cells filled
print()
print(f"loaded == built: {loaded == built}")
print(f"round-trip differences: {len(diff_models(built, loaded))}")
print(f'mass.csv:2 column sigma        → galaxies["lens_0"].mass.sigma = {loaded.galaxies["lens_0"].mass.sigma!r}')
print(f'mass.csv:2 columns y, x        → galaxies["lens_0"].mass.centre = {loaded.galaxies["lens_0"].mass.centre!r}')
print(f"scaling_galaxies.csv:2 mag     → scaling_galaxies[0].extra['mag'] = {loaded.scaling_galaxies[0].extra['mag']!r}")
print(f"scaling_relations.csv:2 sigma_ref → scaling_relations[0].values['sigma_ref'] = "
      f"{loaded.scaling_relations[0].values['sigma_ref']!r}")

"""
Each loaded row knows where it came from, which is what error messages and ``clusterfit show`` use:
"""
lens_0 = loaded.galaxies["lens_0"]
print()
print(f'loaded.galaxies["lens_0"].mass.sigma  = {lens_0.mass.sigma!r}')
print(f'loaded.galaxies["lens_0"].mass.source = {lens_0.mass.source}')
print(f'loaded.galaxies["lens_0"].bulge.source = {lens_0.bulge.source}')

"""
__One CSV Per Profile Family__

Why ``mass.csv``, ``light.csv`` and ``point.csv`` instead of one wide galaxy table?

 - **Each family has its own classes and columns.** A dPIE mass profile takes ``sigma, r_core, r_cut``;
   a Sérsic light profile takes ``intensity, effective_radius, sersic_index``. One wide table would
   carry the union of every family's columns, mostly empty, and a light column on a mass row could not
   be told from a typo. Per family, the sparse columns stay few and every non-empty cell a class does
   not take is an error.
 - **A galaxy can have several profiles of one family** (a bulge and a disk; a dPIE and a shear): one
   row each, distinguished by ``attr_name``. ``(galaxy, attr_name)`` is unique within a file.
 - **Different tasks use different files**: a point-source fit needs mass and point; an imaging
   simulation also needs light. Lens light that does not matter to the mass model can be edited
   without touching ``mass.csv``.
 - **Compatibility**: these are PyAutoLens's cluster files (``al.galaxy_models_to_csv`` writes
   them), with the same names, headers and class names.

Galaxy **names join the families**: ``lens_0`` in ``mass.csv`` and ``lens_0`` in ``light.csv`` are one
galaxy, with one redshift. ``model.galaxies`` does the join:
"""
banner("3. galaxy names join the families")
for name, galaxy in loaded.galaxies.items():
    parts = ", ".join(f"{attr} ({row.profile_class}, {row.source})"
                      for attr, row in galaxy.profiles.items())
    print(f"  {name:<9} z={galaxy.redshift:<4g} {parts}")

"""
A galaxy named in one family and not another is fine: ``halo`` has mass but no light; the sources have
light and a point source but no mass (they are not lenses).

__mass.csv Or The Scaling Tier?__

Put a galaxy in ``mass.csv`` when it needs its **own** parameters: the brightest cluster galaxies, the
dark-matter halo(s), a member close to a multiple image whose mass the images constrain individually,
anything you want free on its own in ``priors.csv``. Put it in ``scaling_galaxies.csv`` when it is one
of the many (tens to hundreds) ordinary members whose masses are too weakly constrained one by one:
their parameters follow the tier's luminosity relation, so the whole tier costs only the relation's free
parameters (and one vectorised evaluation). To promote a member, delete its row from
``scaling_galaxies.csv`` and add a row to ``mass.csv``; never keep it in both, or its mass counts twice.
Several tiers (e.g. ellipticals and spirals) are several rows of ``scaling_relations.csv`` and a
``tier`` column in the catalogue.
"""
banner("3b. mass.csv versus the scaling tier")
print(f"  individually modelled (mass.csv): {', '.join(r.galaxy for r in loaded.mass)}")
rel = loaded.scaling_relations[0]
print(f"  scaling tier {rel.tier!r}: {len(loaded.tier_members(rel.tier))} members, "
      f"{rel.profile_class}, from {rel.source}")

"""
__Scaling Relations__

A row of ``scaling_relations.csv`` gives the tier's class, the reference luminosity ``luminosity_ref``
and, for each scaled parameter p, ``p_ref`` (its value at L = L_ref) and ``p_exponent``:

    sigma_i  = sigma_ref  (L_i / L_ref)^sigma_exponent     (default exponent 1/4, Faber-Jackson)
    r_core_i = r_core_ref (L_i / L_ref)^r_core_exponent    (default 1/2)
    r_cut_i  = r_cut_ref  (L_i / L_ref)^r_cut_exponent     (default 1/2, constant mass-to-light)

A plain column ``p`` (no suffix) sets a parameter shared by every member; a ``p`` column in
``scaling_galaxies.csv`` sets it per member. The members of our tier get:
"""
banner("4. scaling_relations.csv: the members' parameters")
v = rel.values
for i, m in enumerate(loaded.tier_members(rel.tier)):
    ratio = m.luminosity / rel.luminosity_ref
    sigma = v["sigma_ref"] * ratio ** v["sigma_exponent"]
    r_core = v["r_core_ref"] * ratio ** v["r_core_exponent"]
    r_cut = v["r_cut_ref"] * ratio ** v["r_cut_exponent"]
    print(f"  scaling_galaxies[{i}] {m.extra['id']}  mag={m.extra['mag']:<6g} L/L_ref={ratio:<8.4f}"
          f"  sigma={sigma:7.2f} km/s  r_core={r_core:.4f}\"  r_cut={r_cut:6.2f}\"  [{m.source}]")

"""
__Priors: Which Parameters Are Free__

Without ``priors.csv`` nothing is free (the values are the truth for ``simulate``). Each row of
``priors.csv`` makes parameters free: ``galaxy, attr_name, parameter`` name them, with shell-style
wildcards (``lens_*``), a tuple parameter (``centre``) frees both columns, and ``attr_name = scaling``
with ``galaxy = <tier>`` frees a relation parameter. ``prior`` is ``Uniform(lower, upper)``,
``LogUniform(lower, upper)``, ``Gaussian(mean, sigma)`` (optionally truncated by lower/upper; ``mean =
auto`` for a source centre) or ``Fixed`` (undoes an earlier row). The value tables keep their numbers:
the start point of a fit.
"""
banner("4b. priors.csv: which parameters become free")
priors = (
    PriorRow("lens_*", "mass", "sigma", "Uniform", lower=100.0, upper=600.0),
    PriorRow("halo", "mass", "centre", "Gaussian", mean=0.0, sigma=3.0),
    PriorRow("halo", "mass", "mass_at_200", "LogUniform", lower=1e14, upper=1e16),
    PriorRow("members", "scaling", "sigma_ref", "Uniform", lower=80.0, upper=300.0),
    PriorRow("members", "scaling", "r_cut_ref", "LogUniform", lower=2.0, upper=100.0),
    PriorRow("source_*", "point_*", "centre", "Gaussian", mean="auto", sigma=1.0),
)
with_priors = model.replace(priors=priors)
cf.save_model(with_priors, model_folder)
show_csv(model_folder, "priors.csv")
fitted_view = cf.load_model(model_folder)
print()
print(fitted_view.summary())

"""
**Empty cells mean free.** A value cell may be left empty only when ``priors.csv`` makes that parameter
free (then a fit starts from the prior). Here ``lens_1``'s ``sigma`` is emptied: the folder still loads
because of the ``lens_*`` prior; remove that prior and ``load_model`` names the file, line and column.
"""
emptied = with_priors.replace(mass=(mass[0], ProfileRow("mass", "lens_1", "mass", "dPIEMass",
                                                        {**mass[1].values, "sigma": None}, Z_LENS),
                                    mass[2]))
cf.save_model(emptied, model_folder)
print()
print(f'empty sigma, lens_* prior: galaxies["lens_1"].mass.sigma = '
      f'{cf.load_model(model_folder).galaxies["lens_1"].mass.sigma!r} (free)')
cf.save_model(emptied.replace(priors=priors[1:]), model_folder)
try:
    cf.load_model(model_folder)
except CsvErrors as exc:
    print(f"empty sigma, no prior: {exc}")
cf.save_model(with_priors, model_folder)

"""
__Pandas__

``model.to_dataframes()`` returns every table as a pandas DataFrame, keyed by table name, with the
headers and column order of the files (empty cells are NaN). Use them for analysis and plots; to change
the model edit the CSVs (or build new rows) and load again. ``pandas.read_csv`` on the files works too.
"""
banner("5. the same tables as pandas DataFrames")
import pandas as pd  # noqa: E402  (only this step needs pandas)

frames = fitted_view.to_dataframes()
with pd.option_context("display.width", 200, "display.max_columns", 30):
    for name, frame in frames.items():
        print(f"--- DataFrame {name!r}: {frame.shape[0]} rows x {frame.shape[1]} columns")
        print(frame.to_string())
        print()
mass_frame = frames["mass"]
print('frames["mass"].set_index("galaxy").loc["lens_0", "sigma"] =',
      mass_frame.set_index("galaxy").loc["lens_0", "sigma"])

"""
__From PyAutoLens Objects__

If you build lenses with the normal PyAutoLens API, write them with PyAutoLens's own CSV writer
(``al.galaxy_models_to_csv``, one call per family) and clusterfit reads the result as it is: the same
cluster as step 2, built from ``al.Galaxy`` and ``al.mp``/``al.lp``/``al.ps`` objects, goes to CSVs, loads
with ``cf.load_model`` with no cell differing from the tables we wrote, and comes back into PyAutoLens
(``al.galaxy_models_from_csv`` → ``al.galaxies_from_csv_tables``). dPIE and NFW take the PyAutoLens
bookkeeping arguments (``redshift_object``, ``redshift_source`` = the last plane, ``H0``, ``Om0``).
The scaling tier and priors are clusterfit's own tables (step 4).
"""
banner("6. the same cluster from PyAutoLens objects (al.Galaxy → CSV → clusterfit → al.Galaxy)")
if importlib.util.find_spec("autolens") is None:
    print("autolens is not installed: this step is skipped (pip install 'clusterfit[autolens]', Python >= 3.12)")
else:
    import autolens as al  # noqa: E402

    logging.getLogger().handlers.clear()  # autolens logs INFO lines to stdout when imported
    Z_SOURCE, H0, OM0 = 2.0, 67.66, 0.30966  # the last plane; clusterfit's default cosmology
    bk = dict(redshift_object=Z_LENS, redshift_source=Z_SOURCE, H0=H0, Om0=OM0)
    galaxies = {
        "lens_0": al.Galaxy(redshift=Z_LENS,
                            mass=al.mp.dPIEMass(centre=(0.0, 0.0), ellipticity=0.2, angle_pos=40.0, sigma=350.0,
                                                r_core=0.2, r_cut=60.0, **bk),
                            bulge=al.lp.Sersic(centre=(0.0, 0.0), ell_comps=(0.05, 0.1), intensity=0.8,
                                               effective_radius=5.0, sersic_index=4.0)),
        "lens_1": al.Galaxy(redshift=Z_LENS,
                            mass=al.mp.dPIEMass(centre=(18.0, -14.0), ellipticity=0.15, angle_pos=120.0,
                                                sigma=280.0, r_core=0.15, r_cut=40.0, **bk),
                            bulge=al.lp.Sersic(centre=(18.0, -14.0), ell_comps=(0.03, -0.06), intensity=0.5,
                                               effective_radius=3.5, sersic_index=4.0)),
        "halo": al.Galaxy(redshift=Z_LENS, mass=al.mp.NFWMCRLudlowSph(centre=(1.0, -2.0), mass_at_200=1.2e15,
                                                                       redshift_object=Z_LENS,
                                                                       redshift_source=Z_SOURCE)),
        "source_0": al.Galaxy(redshift=1.5,
                              bulge=al.lp.Sersic(centre=(1.5, -1.0), ell_comps=(0.1, 0.0), intensity=2.0,
                                                 effective_radius=0.3, sersic_index=1.0),
                              point_0=al.ps.Point(centre=(1.5, -1.0))),
        "source_1": al.Galaxy(redshift=2.0,
                              bulge=al.lp.Gaussian(centre=(0.5, -2.5), ell_comps=(0.0, 0.15), intensity=2.0,
                                                   sigma=0.2),
                              point_1=al.ps.PointFlux(centre=(0.5, -2.5), flux=1.0)),
    }
    from_al = root / "from_autolens"
    redshifts = {name: g.redshift for name, g in galaxies.items()}
    for fam, kind in (("mass", al.mp.MassProfile), ("light", al.LightProfile), ("point", al.ps.Point)):
        profiles = {name: {a: p for a, p in vars(g).items() if isinstance(p, kind)} for name, g in galaxies.items()}
        al.galaxy_models_to_csv({n: p for n, p in profiles.items() if p}, from_al / f"{fam}.csv", fam, redshifts)
    show_csv(from_al, "mass.csv")
    from_autolens = cf.load_model(from_al)
    ours = ClusterModel(mass=built.mass, light=built.light, point=built.point)
    print(f"cf.load_model(PyAutoLens's CSVs): cells differing from step 2's tables: "
          f"{len(diff_models(ours, from_autolens))}")
    back_in_al = al.galaxies_from_csv_tables(*(al.galaxy_models_from_csv(from_al / f"{fam}.csv", fam)
                                              for fam in ("mass", "light", "point")))
    print(f'and back: al.galaxies_from_csv_tables(...)["lens_0"].mass.sigma = {back_in_al["lens_0"].mass.sigma!r}, '
          f'["source_1"].point_1.flux = {back_in_al["source_1"].point_1.flux!r}')

"""
__Next__

 - ``clusterfit show FOLDER`` prints every table and every loaded object with its CSV line;
   ``clusterfit validate FOLDER`` lists every problem; ``clusterfit diff A B`` the differing cells.
 - ``clusterfit simulate FOLDER -o OUT`` makes the real ``point_datasets.csv`` for a model folder, and
   ``clusterfit fit OUT -o OUT/results`` fits it and writes the best-fit model as the same tables.
 - ``docs/csv_format.md``: every table and column; ``docs/lenstool.md``: Lenstool conventions.
"""
print()
print(f"tables written under {root}" + (" (temporary, now removed)" if _tmp else ""))
if _tmp is not None:
    _tmp.cleanup()
