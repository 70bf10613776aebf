"""CSV compatibility with PyAutoLens (autolens==2026.10.26.1): their writers → our readers and back.

Skips where autolens cannot be imported (Python < 3.12), but fails under CI=true.
"""

from pathlib import Path

import numpy as np
import pytest

from clusterfit import example_folder, load_model, save_model
from clusterfit.tables import ClusterModel

pytestmark = pytest.mark.crosscheck


def _profiles(al):
    mp, lp, ps = al.mp, al.lp, al.ps
    mass = {
        "lens_0": {"mass": mp.dPIEMass(centre=(0.1, -0.2), ellipticity=0.25, angle_pos=33.0, sigma=310.0,
                                       r_core=0.15, r_cut=55.0, redshift_object=0.3, redshift_source=2.0)},
        "halo": {"mass": mp.NFWMCRLudlowSph(centre=(1.0, 2.0), mass_at_200=1.2e15, redshift_object=0.3,
                                            redshift_source=2.0),
                 "shear": mp.ExternalShear(gamma_1=0.02, gamma_2=-0.01)},
        "lens_1": {"mass": mp.Isothermal(centre=(5.0, -3.0), ell_comps=(0.1, -0.05), einstein_radius=1.3)},
    }
    light = {
        "lens_0": {"bulge": lp.Sersic(centre=(0.1, -0.2), ell_comps=(0.05, 0.02), intensity=0.7,
                                      effective_radius=4.0, sersic_index=3.5)},
        "source_0": {"bulge": lp.SersicCore(centre=(0.3, 0.4), ell_comps=(0.0, 0.1),
                                            effective_radius=0.2, sersic_index=1.0)},
    }
    point = {"source_0": {"point_0": ps.Point(centre=(0.3, 0.4))},
             "source_1": {"point_1": ps.PointFlux(centre=(-1.0, 0.5), flux=3.0)}}
    redshifts = {"lens_0": 0.3, "halo": 0.3, "lens_1": 0.3, "source_0": 2.0, "source_1": 1.5}
    return mass, light, point, redshifts


def _write_autolens_folder(al, folder: Path, clusterfit_tables: bool = True):
    """A folder written with PyAutoLens's writers; ``clusterfit_tables`` adds our scaling_relations.csv
    and cosmology.csv (which PyAutoLens has no writer for)."""
    mass, light, point, z = _profiles(al)
    al.galaxy_models_to_csv(mass, folder / "mass.csv", "mass", redshifts=z)
    al.galaxy_models_to_csv(light, folder / "light.csv", "light", redshifts=z)
    al.galaxy_models_to_csv(point, folder / "point.csv", "point", redshifts=z)
    datasets = [
        al.PointDataset("point_0", positions=[(1.0, 2.0), (-1.5, 0.3), (0.2, -2.2)],
                        positions_noise_map=[0.05, 0.05, 0.06], redshift=2.0),
        al.PointDataset("point_1", positions=[(3.0, 1.0), (-2.0, -1.0)], positions_noise_map=[0.04, 0.04],
                        fluxes=[1.5, 0.7], fluxes_noise_map=[0.1, 0.1], time_delays=[0.0, 31.25],
                        time_delays_noise_map=[0.5, 0.5], redshift=1.5),
    ]
    al.output_to_csv(datasets, folder / "point_datasets.csv")
    al.galaxy_table_to_csv([(10.0, -5.0), (-7.5, 3.25)], [1.0, 0.3], folder / "scaling_galaxies.csv",
                           redshifts=[0.3, 0.3], properties={"mag": [19.0, 20.3], "id": [101, 102]})
    if not clusterfit_tables:
        return mass, light, point, datasets
    (folder / "scaling_relations.csv").write_text(
        "tier,profile_class,luminosity_ref,sigma_ref,r_core_ref,r_cut_ref,redshift\n"
        "members,dPIEMassSph,1.0,150.0,0.05,12.0,0.3\n")
    (folder / "cosmology.csv").write_text("H0,Om0\n67.66,0.30966\n")
    return mass, light, point, datasets


def test_autolens_written_folder_loads_with_equal_values(al, tmp_path):
    folder = tmp_path / "from_autolens"
    mass, light, point, datasets = _write_autolens_folder(al, folder)
    model = load_model(folder)
    for family, profiles in (("mass", mass), ("light", light), ("point", point)):
        rows = {r.key: r for r in model.family(family)}
        assert len(rows) == sum(len(v) for v in profiles.values())
        for galaxy, attrs in profiles.items():
            for attr, prof in attrs.items():
                row = rows[(galaxy, attr)]
                assert row.profile_class == type(prof).__name__
                for p in row.spec.parameters:
                    ours = row.parameter(p.name)
                    theirs = getattr(prof, p.name)
                    if p.is_tuple:
                        assert tuple(ours) == tuple(float(v) for v in theirs)
                    else:
                        assert ours == float(theirs), (galaxy, attr, p.name)
    ours = {d.name: d for d in model.point_datasets}
    for d in datasets:
        assert ours[d.name].positions == tuple(tuple(map(float, p)) for p in d.positions)
        assert ours[d.name].positions_noise == tuple(map(float, d.positions_noise_map))
        assert ours[d.name].redshift == d.redshift
        if d.fluxes is not None:
            assert ours[d.name].fluxes == tuple(map(float, d.fluxes))
    assert [(m.y, m.x, m.luminosity, m.extra["mag"]) for m in model.scaling_galaxies] == [
        (10.0, -5.0, 1.0, 19.0), (-7.5, 3.25, 0.3, 20.3)]
    # and our writer reproduces their files byte for byte
    out = tmp_path / "ours"
    save_model(model, out)
    for name in ("mass.csv", "light.csv", "point.csv", "point_datasets.csv", "scaling_galaxies.csv"):
        assert (out / name).read_text() == (folder / name).read_text(), name


def test_our_folder_loads_in_autolens_with_equal_values(al, tmp_path):
    model: ClusterModel = load_model(example_folder())
    # add datasets with every optional column group
    from clusterfit.tables import PointImage

    images = (PointImage("point_0", 1.0, 2.0, 0.05, 1.2, 0.1, 10.0, 1.0, 1.5),
              PointImage("point_0", -1.0, 0.5, 0.05, 0.8, 0.1, 30.0, 1.0, 1.5))
    save_model(model.replace(point_images=images), tmp_path / "ours")
    folder = tmp_path / "ours"
    for family in ("mass", "light", "point"):
        table = al.galaxy_models_from_csv(folder / f"{family}.csv", family)
        rows = {r.key: r for r in model.family(family)}
        assert len(table.rows) == len(rows)
        for theirs in table.rows:
            row = rows[(theirs.galaxy, theirs.attr_name)]
            assert theirs.profile_class.__name__ == row.profile_class
            assert theirs.redshift == row.redshift
            for name, value in theirs.params.items():
                ours = row.parameter(name)
                assert (tuple(ours) if isinstance(value, tuple) else ours) == value, name
    galaxies = al.galaxies_from_csv_tables(
        *(al.galaxy_models_from_csv(folder / f"{f}.csv", f) for f in ("mass", "light", "point")))
    assert set(galaxies) == set(model.galaxies)
    (ds,) = al.list_from_csv(folder / "point_datasets.csv")
    assert ds.name == "point_0" and ds.redshift == 1.5
    assert [tuple(p) for p in ds.positions] == [(1.0, 2.0), (-1.0, 0.5)]
    assert list(ds.fluxes) == [1.2, 0.8] and list(ds.time_delays) == [10.0, 30.0]
    table = al.galaxy_table_from_csv(folder / "scaling_galaxies.csv")
    assert [tuple(c) for c in table.centres] == [(m.y, m.x) for m in model.scaling_galaxies]
    assert list(table.luminosities) == [m.luminosity for m in model.scaling_galaxies]
    assert table.properties["mag"] == [m.extra["mag"] for m in model.scaling_galaxies]


def test_autolens_folder_round_trips_through_clusterfit_and_back(al, tmp_path):
    """Issue 8, acceptance 3: PyAutoLens's writers → clusterfit (load, save; and export-autolens) →
    PyAutoLens's readers: not a changed cell, and their readers build the same objects."""
    from clusterfit.cli import main
    from clusterfit.tables.diff import diff_models

    folder = tmp_path / "from_autolens"
    _write_autolens_folder(al, folder)
    out = tmp_path / "ours"
    save_model(load_model(folder), out)
    assert diff_models(load_model(folder), load_model(out)) == []
    for family in ("mass", "light", "point"):
        theirs, ours = (al.galaxy_models_from_csv(f / f"{family}.csv", family) for f in (folder, out))
        assert [(r.galaxy, r.attr_name, r.profile_class, r.redshift, r.params) for r in theirs.rows] == \
            [(r.galaxy, r.attr_name, r.profile_class, r.redshift, r.params) for r in ours.rows]
    theirs, ours = (al.list_from_csv(f / "point_datasets.csv") for f in (folder, out))
    assert [(d.name, d.redshift, [tuple(p) for p in d.positions], list(d.positions_noise_map),
             None if d.fluxes is None else list(d.fluxes)) for d in theirs] == \
        [(d.name, d.redshift, [tuple(p) for p in d.positions], list(d.positions_noise_map),
          None if d.fluxes is None else list(d.fluxes)) for d in ours]
    theirs, ours = (al.galaxy_table_from_csv(f / "scaling_galaxies.csv") for f in (folder, out))
    assert [tuple(c) for c in theirs.centres] == [tuple(c) for c in ours.centres]
    assert list(theirs.luminosities) == list(ours.luminosities) and theirs.properties == ours.properties
    # export-autolens of the folder without its tier (nothing to expand) leaves their files as written
    (folder / "scaling_relations.csv").unlink()
    assert main(["export-autolens", str(folder), "-o", str(tmp_path / "exported")]) == 0
    for name in ("mass.csv", "light.csv", "point.csv", "point_datasets.csv", "scaling_galaxies.csv"):
        assert (tmp_path / "exported" / name).read_text() == (folder / name).read_text(), name


# --- issue 17: the same files are the same lens, read by either side's own readers -------------------

TRACE_TOL = 1e-4  # arcsec: a simulated / best-fit image traces to its source in PyAutoLens
DEFLECTION_TOL = 1e-6  # arcsec: PyAutoLens's readers against our tracer, at points on every source plane


def _their_tracer(al, folder: Path):
    """PyAutoLens's own readers only: ``galaxy_models_from_csv`` → ``galaxies_from_csv_tables`` →
    ``al.Tracer`` with the FlatLambdaCDM of ``cosmology.csv`` (read here with the csv module; our
    default when the folder has none)."""
    import csv

    tables = [al.galaxy_models_from_csv(folder / f"{f}.csv", f) for f in ("mass", "light", "point")
              if (folder / f"{f}.csv").exists()]
    galaxies = al.galaxies_from_csv_tables(*tables)
    cosmo = {"H0": "67.66", "Om0": "0.30966"}
    if (folder / "cosmology.csv").exists():
        (cosmo,) = csv.DictReader((folder / "cosmology.csv").open())
    return al.Tracer(galaxies=list(galaxies.values()),
                     cosmology=al.cosmo.FlatLambdaCDM(H0=float(cosmo["H0"]), Om0=float(cosmo["Om0"])))


def _traced(al, tracer, yx, redshift) -> np.ndarray:
    planes = [float(z) for z in tracer.plane_redshifts]
    grid = al.Grid2DIrregular([tuple(map(float, p)) for p in yx])
    return np.asarray(tracer.traced_grid_2d_list_from(grid=grid)[planes.index(redshift)])


def _worst_trace(al, tracer, systems) -> float:
    """Worst distance (arcsec) on its source plane between a traced image and its source;
    ``systems``: [(redshift, (source y, x), [(image y, x), ...])]."""
    worst = 0.0
    for z, (sy, sx), images in systems:
        traced = _traced(al, tracer, images, z)
        worst = max(worst, float(np.hypot(traced[:, 0] - sy, traced[:, 1] - sx).max()))
    return worst


def _worst_against_ours(al, tracer, model, extra_points=()) -> float:
    """Worst |Δβ| (arcsec) between PyAutoLens's tracer and ours at 400 points (and ``extra_points``)
    traced to every source plane of ours. Ours is given PyAutoLens's radiation constants and, for
    NFWMCRLudlowSph, its Planck15 (κ_s, r_s) (docs/autolens.md, "Conventions")."""
    import jax.numpy as jnp
    from test_model_autolens import _with_cosmology, _with_their_ludlow, autolens_radiation

    from clusterfit.model import compose

    cm = compose(model)
    cm = _with_their_ludlow(_with_cosmology(cm, autolens_radiation(model.cosmology.H0, model.cosmology.Om0)),
                            tracer)
    theta = cm.vector_from_tables()
    rng = np.random.default_rng(17)
    yx = np.concatenate([rng.uniform(-45, 45, size=(300, 2)), rng.uniform(-4, 4, size=(100, 2)),
                         np.reshape(np.asarray(extra_points, dtype=float), (-1, 2))])
    worst = 0.0
    for plane in sorted(set(cm.source_planes.values())):
        by, bx = cm.source_plane_yx(theta, jnp.asarray(yx[:, 0]), jnp.asarray(yx[:, 1]), plane)
        theirs = _traced(al, tracer, yx, cm.layout.plane_redshifts[plane])
        worst = max(worst, float(np.hypot(np.asarray(by) - theirs[:, 0], np.asarray(bx) - theirs[:, 1]).max()))
    return worst


def _simulated_systems(model):
    """[(z, true source, simulated images)] of a simulated folder: the sources are point.csv's centres."""
    sources = {r.attr_name: (r.values["y"], r.values["x"]) for r in model.point}
    return [(d.redshift, sources[d.name], d.positions) for d in model.point_datasets]


@pytest.fixture(scope="module")
def tierless_dataset(tmp_path_factory):
    """`clusterfit simulate EXAMPLE -o DS --no-noise` on the example without its scaling tier (which
    PyAutoLens's tables cannot hold; that needs export-autolens)."""
    import shutil

    from clusterfit.cli import main

    root = tmp_path_factory.mktemp("tierless")
    example = root / "example"
    shutil.copytree(example_folder(), example)
    for name in ("scaling_galaxies.csv", "scaling_relations.csv"):
        (example / name).unlink()
    priors = (example / "priors.csv").read_text().splitlines()
    (example / "priors.csv").write_text("\n".join(p for p in priors if not p.startswith("members,")) + "\n")
    assert main(["simulate", str(example), "-o", str(root / "ds"), "--no-noise"]) == 0
    return root / "ds"


@pytest.mark.slow
def test_simulated_folder_is_our_lens_in_autolens(al, tierless_dataset, tmp_path):
    """Acceptance 1: every simulated image traces to its source in PyAutoLens's own readers."""
    model = load_model(tierless_dataset)
    tracer = _their_tracer(al, tierless_dataset)
    worst = _worst_trace(al, tracer, _simulated_systems(model))
    against = _worst_against_ours(al, tracer, model)
    print(f"\nsimulated example in PyAutoLens: worst image → source {worst:.2e}″ over "
          f"{len(model.point_images)} images; worst |Δβ| against ours {against:.2e}″")
    assert worst < TRACE_TOL and against < DEFLECTION_TOL
    # the control: the same files without the bookkeeping cells (as written before) are another lens
    import csv

    rows = list(csv.DictReader((tierless_dataset / "mass.csv").open()))
    keep = [c for c in rows[0] if c not in ("redshift_object", "redshift_source", "H0", "Om0")]
    bare = tmp_path / "bare"
    bare.mkdir()
    for name in ("light.csv", "point.csv", "point_datasets.csv"):
        (bare / name).write_bytes((tierless_dataset / name).read_bytes())
    with (bare / "mass.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, keep, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    off = _worst_trace(al, _their_tracer(al, bare), _simulated_systems(model))
    print(f"without the bookkeeping cells: {off:.1f}″")
    assert off > 1.0
    # as an autofit model, the filled cells are fixed; empty ones would be 4 free priors per dPIE
    counts = [{g: m.mass.prior_count for g, m in al.galaxy_af_models_from_csv_tables(
        al.galaxy_models_from_csv(f / "mass.csv", "mass")).items()} for f in (tierless_dataset, bare)]
    assert counts == [dict.fromkeys(("halo", "lens_0", "lens_1"), 0), dict.fromkeys(("halo", "lens_0", "lens_1"), 4)]


@pytest.mark.slow
def test_fit_results_folder_is_our_lens_in_autolens(al, tierless_dataset, tmp_path):
    """Acceptance 1, fit: the results folder's best-fit images trace to its best-fit sources."""
    from clusterfit.fit.evaluate import evaluate_model
    from clusterfit.fit.run import fit
    from clusterfit.fit.search import SearchConfig
    from clusterfit.simulate import simulate

    noisy = simulate(tierless_dataset, tmp_path / "noisy", seed=3)  # a best fit away from the tables
    result = fit(noisy, tmp_path / "results", search="laplace", plots=False,
                 config=SearchConfig(n_starts=1, n_samples=300, progress=False))
    model = load_model(result.folder)
    assert any(a.values != b.values for a, b in zip(model.mass, load_model(noisy).mass, strict=True))
    ev = evaluate_model(model)
    systems = [(s.redshift, (s.source_y, s.source_x), [(y, x) for y, x, _ in s.predicted])
               for s in ev.systems]
    tracer = _their_tracer(al, result.folder)
    worst = _worst_trace(al, tracer, systems)
    against = _worst_against_ours(al, tracer, model)
    print(f"\nfit results in PyAutoLens: worst best-fit image → source {worst:.2e}″ over "
          f"{sum(len(s[2]) for s in systems)} images; worst |Δβ| against ours {against:.2e}″")
    assert sum(len(s[2]) for s in systems) >= 12
    assert worst < TRACE_TOL and against < DEFLECTION_TOL


@pytest.mark.slow
def test_folder_written_only_by_autolens_round_trips_and_stays_their_lens(al, tmp_path):
    """Acceptance 2: PyAutoLens's writers only (dPIE, NFW, Isothermal mass rows, light, point, members,
    datasets with flux and time delays; no scaling_relations.csv, no cosmology.csv) → load, save, load:
    every cell equal, and PyAutoLens reading our copy builds the same deflections (1e-12″)."""
    import csv

    from clusterfit.tables.model import MembersWithoutTierWarning

    theirs = tmp_path / "theirs"
    _write_autolens_folder(al, theirs, clusterfit_tables=False)
    with pytest.warns(MembersWithoutTierWarning):
        first = load_model(theirs)
    save_model(first, tmp_path / "ours")
    with pytest.warns(MembersWithoutTierWarning):
        second = load_model(tmp_path / "ours")
    assert sorted(p.name for p in (tmp_path / "ours").iterdir()) == sorted(p.name for p in theirs.iterdir())
    for name in sorted(p.name for p in theirs.iterdir()):
        a, b = (list(csv.reader((f / name).open())) for f in (theirs, tmp_path / "ours"))
        assert a == b, name  # every cell, as text
    assert first == second
    table = al.galaxy_table_from_csv(tmp_path / "ours" / "scaling_galaxies.csv")
    assert table.properties == {"mag": [19.0, 20.3], "id": [101.0, 102.0]}  # a numeric id round-trips
    (td,) = [d for d in al.list_from_csv(tmp_path / "ours" / "point_datasets.csv") if d.time_delays is not None]
    assert list(td.time_delays) == [0.0, 31.25] and list(td.fluxes) == [1.5, 0.7]
    rng = np.random.default_rng(5)
    grid = al.Grid2DIrregular([tuple(p) for p in rng.uniform(-20, 20, size=(200, 2))])
    a, b = (_their_tracer(al, f) for f in (theirs, tmp_path / "ours"))
    worst = max(float(np.abs(np.asarray(ga) - np.asarray(gb)).max())
                for ga, gb in zip(a.traced_grid_2d_list_from(grid=grid), b.traced_grid_2d_list_from(grid=grid),
                                  strict=True))
    assert worst <= 1e-12
    # and our reader builds their lens: deflections at points and at the dataset's image positions
    images = [p for d in first.point_datasets for p in d.positions]
    against = _worst_against_ours(al, a, first, extra_points=images)
    print(f"\nPyAutoLens-written folder: our copy in PyAutoLens {worst:.1e}″; clusterfit's tracer against "
          f"theirs {against:.2e}″")
    assert against < DEFLECTION_TOL


def test_example_catalogue_round_trips_through_their_table_writer(al, tmp_path):
    """Our example's members (numeric ids) → galaxy_table_from_csv → galaxy_table_to_csv → our reader:
    every value equal (a text id column could not pass: their writer makes every property a float)."""
    table = al.galaxy_table_from_csv(example_folder() / "scaling_galaxies.csv")
    al.galaxy_table_to_csv(table.centres, table.luminosities, tmp_path / "scaling_galaxies.csv",
                           redshifts=table.redshifts, properties=table.properties)
    (tmp_path / "scaling_relations.csv").write_bytes((example_folder() / "scaling_relations.csv").read_bytes())
    assert load_model(tmp_path).scaling_galaxies == load_model(example_folder()).scaling_galaxies


@pytest.mark.slow
def test_stale_bookkeeping_is_found_and_fixed(al, tierless_dataset, tmp_path, capsys):
    """Acceptance 3: a stale redshift_source / redshift_object is a validate finding (file, line,
    column); `validate --fix` rewrites it and PyAutoLens then builds our lens again."""
    import shutil

    from clusterfit.cli import main

    folder = tmp_path / "stale"
    shutil.copytree(tierless_dataset, folder)
    lines = (folder / "mass.csv").read_text().splitlines()
    header = lines[0].split(",")
    for line, column, value in ((2, "redshift_source", "1.0"), (3, "redshift_object", "0.5")):
        cells = lines[line - 1].split(",")
        cells[header.index(column)] = value
        lines[line - 1] = ",".join(cells)
    (folder / "mass.csv").write_text("\n".join(lines) + "\n")
    model = load_model(tierless_dataset)
    off = _worst_trace(al, _their_tracer(al, folder), _simulated_systems(model))
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "mass.csv:2 column 'redshift_source': redshift_source is 1.0 but the last plane is z = 3.0" in out
    assert "mass.csv:3 column 'redshift_object': redshift_object is 0.5 but galaxy 'lens_0' is at z = 0.3" in out
    assert main(["validate", "--fix", str(folder)]) == 0
    assert "fixed mass.csv:2: redshift_source 1.0 → 3.0" in capsys.readouterr().out
    assert (folder / "mass.csv").read_bytes() == (tierless_dataset / "mass.csv").read_bytes()
    tracer = _their_tracer(al, folder)
    worst = _worst_trace(al, tracer, _simulated_systems(model))
    print(f"\nstale cells: images {off:.2f}″ from their source in PyAutoLens; after --fix {worst:.2e}″")
    assert off > 0.5 and worst < TRACE_TOL and _worst_against_ours(al, tracer, model) < DEFLECTION_TOL


def test_new_mass_classes_round_trip_through_autolens_csv(al, tmp_path):
    """NFW, PowerLaw and MassSheet: PyAutoLens's galaxy_models_to_csv → our reader (equal values, same
    columns when we write them back) → PyAutoLens's galaxy_models_from_csv builds equal profiles."""
    mp = al.mp
    mass = {"halo": {"mass": mp.NFW(centre=(0.5, -1.0), ell_comps=(0.1, -0.2), kappa_s=0.3, scale_radius=20.0),
                     "sheet": mp.MassSheet(centre=(0.0, 0.5), kappa=0.04)},
            "bcg": {"mass": mp.PowerLaw(centre=(0.2, 0.1), ell_comps=(0.05, 0.0), einstein_radius=3.0, slope=2.2)}}
    folder = tmp_path / "theirs"
    folder.mkdir()
    al.galaxy_models_to_csv(mass, folder / "mass.csv", "mass", redshifts={"halo": 0.3, "bcg": 0.3})
    model = load_model(folder)
    rows = {r.key: r for r in model.mass}
    for galaxy, attrs in mass.items():
        for attr, prof in attrs.items():
            row = rows[(galaxy, attr)]
            assert row.profile_class == type(prof).__name__
            for p in row.spec.parameters:
                theirs = getattr(prof, p.name)
                ours = row.parameter(p.name)
                assert (tuple(ours) if p.is_tuple else ours) == \
                    (tuple(float(v) for v in theirs) if p.is_tuple else float(theirs))
    save_model(model, tmp_path / "ours")
    assert (tmp_path / "ours" / "mass.csv").read_text().splitlines()[0] == \
        (folder / "mass.csv").read_text().splitlines()[0]
    theirs, ours = (al.galaxy_models_from_csv(f / "mass.csv", "mass") for f in (folder, tmp_path / "ours"))
    assert [(r.galaxy, r.attr_name, r.profile_class, r.redshift, r.params) for r in theirs.rows] == \
        [(r.galaxy, r.attr_name, r.profile_class, r.redshift, r.params) for r in ours.rows]
