"""CSV compatibility with PyAutoLens (autolens==2026.10.26.1): their writers → our readers and back.

Skips where autolens cannot be imported (Python < 3.12), but fails under CI=true.
"""

from pathlib import Path

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


def _write_autolens_folder(al, folder: Path):
    mass, light, point, z = _profiles(al)
    al.galaxy_models_to_csv(mass, folder / "mass.csv", "mass", redshifts=z)
    al.galaxy_models_to_csv(light, folder / "light.csv", "light", redshifts=z)
    al.galaxy_models_to_csv(point, folder / "point.csv", "point", redshifts=z)
    datasets = [
        al.PointDataset("point_0", positions=[(1.0, 2.0), (-1.5, 0.3), (0.2, -2.2)],
                        positions_noise_map=[0.05, 0.05, 0.06], redshift=2.0),
        al.PointDataset("point_1", positions=[(3.0, 1.0), (-2.0, -1.0)], positions_noise_map=[0.04, 0.04],
                        fluxes=[1.5, 0.7], fluxes_noise_map=[0.1, 0.1], redshift=1.5),
    ]
    al.output_to_csv(datasets, folder / "point_datasets.csv")
    al.galaxy_table_to_csv([(10.0, -5.0), (-7.5, 3.25)], [1.0, 0.3], folder / "scaling_galaxies.csv",
                           redshifts=[0.3, 0.3], properties={"mag": [19.0, 20.3]})
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
    (folder / "scaling_galaxies.csv").unlink()
    (folder / "scaling_relations.csv").unlink()
    assert main(["export-autolens", str(folder), "-o", str(tmp_path / "exported")]) == 0
    for name in ("mass.csv", "light.csv", "point.csv", "point_datasets.csv"):
        assert (tmp_path / "exported" / name).read_text() == (folder / name).read_text(), name
