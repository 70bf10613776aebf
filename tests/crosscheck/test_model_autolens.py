"""A whole composed model vs the PyAutoLens tracer built by :mod:`clusterfit.interop.autolens`.

For the example folder and a variant (NFWMCRLudlowSph halo, Isothermal and ExternalShear rows, lens
galaxies on planes z = 0.3, 0.5, 0.8, sources at z = 1.5, 2.0, 3.0, the last one known only from
``point_datasets.csv``), 400 random image-plane positions are traced to every plane by
``ComposedModel.source_plane_yx`` and by ``al.Tracer.traced_grid_2d_list_from``; they must agree to
1e-6 arcsec (deflections reach ~30 arcsec).

Two conventions differ between the codes, at levels above 1e-6 arcsec; each is isolated here:

* Radiation density. PyAutoLens's ``FlatLambdaCDM`` (also the one each dPIE builds from its H0/Om0)
  takes Ω_γ h² = 2.469e-5 (T = 2.7255 K) and Ω_ν = 0.2271 N_eff Ω_γ; astropy (our ``Cosmology``) takes
  the exact 2.4730e-5 and 0.22710732. Distance ratios then differ by 7e-8 – 2e-7, i.e. ~2e-6 arcsec
  at 30 arcsec. The passing tests give our composed model PyAutoLens's radiation
  (:func:`autolens_radiation`); ``test_default_cosmology_within_1e-6`` (strict xfail) records the gap.
* ``NFWMCRLudlowSph``: PyAutoLens converts M200 → (κ_s, r_s) with its hard-wired ``Planck15``
  whatever the cosmology (``autogalaxy/profiles/mass/dark/mcr_util.py``); compose() now does the same
  (1.7e-5 arcsec left, from Planck15's radiation constants).
  The passing variant test gives our halo group PyAutoLens's (κ_s, r_s) (κ_s divided by the D_ls/D_s
  that PyAutoLens folded in and our tracer applies); ``test_ludlow_conversion_within_1e-6`` (strict
  xfail) records the gap.
"""

import dataclasses

import numpy as np
import pytest

from clusterfit import example_folder, load_model
from clusterfit.model import compose
from clusterfit.physics.cosmology import Cosmology
from clusterfit.physics.tracer import make_tracer, tracer_factors
from clusterfit.tables import PointImage, ProfileRow
from clusterfit.tables.model import model_errors

pytestmark = [pytest.mark.crosscheck, pytest.mark.slow]

TOL = 1e-6  # arcsec


def autolens_radiation(H0: float, Om0: float) -> Cosmology:
    """Our ``Cosmology`` with PyAutoLens's radiation: Ω_γ h² = 2.469e-5 at 2.7255 K (so T scaled by
    (2.469e-5 / astropy's Ω_γ h²)^¼) and Ω_ν/Ω_γ = 0.2271 N_eff (so N_eff scaled by 0.2271/0.22710732)."""
    exact = Cosmology(H0, Om0).astropy
    ogamma_h2 = exact.Ogamma0 * (H0 / 100.0) ** 2
    nu_per_species = exact.Onu0 / exact.Ogamma0 / exact.Neff
    return Cosmology(H0, Om0, Tcmb0=2.7255 * (2.469e-5 / ogamma_h2) ** 0.25,
                     Neff=3.046 * 0.2271 / nu_per_species)


def _with_cosmology(cm, cosmo: Cosmology):
    factors = tracer_factors(cm.layout, cosmo)
    return dataclasses.replace(cm, factors=factors, tracer=make_tracer(cm.layout, factors))


def _with_their_ludlow(cm, tracer):
    """Our composed model with every NFWMCRLudlowSph group's (κ_s, r_s) set to PyAutoLens's values."""
    halos = {float(p.mass_at_200): p for g in tracer.galaxies for p in vars(g).values()
             if type(p).__name__ == "NFWMCRLudlowSph"}
    groups = list(cm.groups)
    for g, src in enumerate(cm.groups):
        if src.profile_class != "NFWMCRLudlowSph":
            continue
        plane = cm.layout.plane_index(src.redshift)
        ratio = cm.factors.ratio[plane, -1]
        theirs = [halos[float(r.values["mass_at_200"])] for r in src.rows]
        groups[g] = dataclasses.replace(src, base={**src.base, "kappa_s": np.array([h.kappa_s / ratio for h in theirs]),
                                                   "scale_radius": np.array([h.scale_radius for h in theirs])})
    return dataclasses.replace(cm, groups=tuple(groups))


def _grid():
    rng = np.random.default_rng(11)
    return np.concatenate([rng.uniform(-45, 45, size=(300, 2)), rng.uniform(-4, 4, size=(100, 2))])


def _worst(al, cm, tracer, theta):
    """(worst |Δβ| over all planes, largest deflection) between our model and their tracer."""
    grid = _grid()
    assert tuple(tracer.plane_redshifts) == cm.layout.plane_redshifts
    theirs = tracer.traced_grid_2d_list_from(grid=al.Grid2DIrregular(grid))
    worst, deflection = 0.0, 0.0
    for j, their in enumerate(theirs):
        their = np.asarray(their)
        by, bx = cm.source_plane_yx(theta, grid[:, 0], grid[:, 1], j)
        diff = np.hypot(np.asarray(by) - their[:, 0], np.asarray(bx) - their[:, 1])
        print(f"  plane {j} z={cm.layout.plane_redshifts[j]}: worst |Δβ| {diff.max():.2e} arcsec")
        worst = max(worst, float(diff.max()))
        deflection = max(deflection, float(np.hypot(*(grid - their).T).max()))
    return worst, deflection


def variant():
    """The example (halo sigma left empty, so free) plus an NFWMCRLudlowSph halo + shear, a dPIE on
    z=0.5, an Isothermal on z=0.8;
    source_2's rows removed and its plane z=3 named only by a point dataset."""
    model = load_model(example_folder())
    halo = next(r for r in model.mass if r.galaxy == "halo")
    mass = tuple(r for r in model.mass if r.galaxy != "halo") + (
        # an empty (free) cell takes its prior median: sigma Uniform(600, 1200) → 900
        dataclasses.replace(halo, values={**halo.values, "sigma": None}),
        ProfileRow("mass", "nfw", "mass", "NFWMCRLudlowSph",
                   {"y": -1.5, "x": 2.5, "mass_at_200": 6e14, "redshift_object": 0.3,
                    "redshift_source": None}, 0.3),
        ProfileRow("mass", "nfw", "shear", "ExternalShear", {"gamma_1": 0.04, "gamma_2": -0.03}, 0.3),
        ProfileRow("mass", "mid", "mass", "dPIEMass",
                   {"y": 6.0, "x": 9.0, "ellipticity": 0.25, "angle_pos": 70.0, "sigma": 300.0,
                    "r_core": 0.3, "r_cut": 50.0}, 0.5),
        ProfileRow("mass", "far", "mass", "Isothermal",
                   {"y": -8.0, "x": -6.0, "ell_comps_0": 0.12, "ell_comps_1": -0.07,
                    "einstein_radius": 2.0}, 0.8),
    )
    light = tuple(r for r in model.light if r.galaxy != "source_2")
    point = tuple(r for r in model.point if r.galaxy != "source_2")
    images = (PointImage("point_0", 10.0, 20.0, 0.05, redshift=1.5),
              PointImage("point_0", -12.0, -5.0, 0.05, redshift=1.5),
              PointImage("point_2", 14.0, -22.0, 0.04, 2.0, 0.1, redshift=3.0),
              PointImage("point_2", -3.0, 25.0, 0.04, 1.0, 0.1, redshift=3.0))
    out = model.replace(mass=mass, light=light, point=point, point_images=images)
    errors = model_errors(out)
    assert not errors, errors
    return out


def _cases():
    return {"example": load_model(example_folder()), "variant": variant()}


@pytest.mark.parametrize("case", ["example", "variant"])
@pytest.mark.parametrize("which_theta", ["tables", "perturbed"])
def test_composed_model_matches_autolens_tracer(al, case, which_theta):
    from clusterfit.interop.autolens import to_autolens_tracer

    model = _cases()[case]
    cm = compose(model)
    theta = cm.vector_from_tables()
    if which_theta == "perturbed":  # every free parameter moved, within its prior
        theta = np.asarray(cm.priors.transform(np.full(len(theta), 0.37)))
    tracer = to_autolens_tracer(model, theta=theta, composed=cm)
    ours = _with_their_ludlow(_with_cosmology(cm, autolens_radiation(model.cosmology.H0,
                                                                     model.cosmology.Om0)), tracer)
    print(f"\n{case}, θ from {which_theta}:")
    worst, deflection = _worst(al, ours, tracer, theta)
    print(f"  worst |Δβ| {worst:.2e} arcsec (largest deflection {deflection:.1f} arcsec)")
    assert deflection > 20.0  # the comparison is not trivial
    assert worst < TOL


def test_galaxies_and_parameters(al):
    from clusterfit.interop.autolens import to_autolens_galaxies, to_autolens_point_datasets

    model = variant()
    cm = compose(model)
    galaxies = to_autolens_galaxies(model, composed=cm)
    members = [n for n in galaxies if n.startswith("members_")]
    assert members == [f"members_{i}" for i in range(len(model.scaling_galaxies))]
    rel = model.scaling_relations[0]
    for i, m in enumerate(model.scaling_galaxies):
        prof = galaxies[f"members_{i}"].mass
        assert type(prof).__name__ == "dPIEMassSph"
        assert prof.centre == (m.y, m.x)
        lum = m.luminosity / rel.luminosity_ref
        assert prof.sigma == pytest.approx(rel.values["sigma_ref"] * lum ** 0.25, rel=1e-13)
        assert prof.r_cut == pytest.approx(rel.values["r_cut_ref"] * lum ** 0.5, rel=1e-13)
        assert (prof.redshift_object, prof.redshift_source) == (0.3, 3.0)
    assert galaxies["mid"].mass.redshift_source == 3.0 and galaxies["mid"].redshift == 0.5
    assert galaxies["nfw"].mass.redshift_source == 3.0
    assert (galaxies["halo"].mass.H0, galaxies["halo"].mass.Om0) == (67.66, 0.30966)
    assert galaxies["far"].mass.einstein_radius == 2.0
    filled = cm.with_vector(cm.vector_from_tables())
    assert filled.galaxies["halo"].mass.sigma == 900.0
    assert galaxies["halo"].mass.sigma == 900.0
    for row in filled.profiles:  # every row: same class and values
        prof = getattr(galaxies[row.galaxy], row.attr_name)
        assert type(prof).__name__ == row.profile_class
        for p in row.spec.physical_parameters:
            assert getattr(prof, p.name) == row.parameter(p.name), (row.galaxy, p.name)
        assert galaxies[row.galaxy].redshift == row.redshift
    datasets = {d.name: d for d in to_autolens_point_datasets(model)}
    assert datasets["point_0"].redshift == 1.5 and datasets["point_2"].redshift == 3.0
    assert [tuple(p) for p in datasets["point_2"].positions] == [(14.0, -22.0), (-3.0, 25.0)]
    assert list(datasets["point_2"].fluxes) == [2.0, 1.0]


def test_autolens_radiation_gives_their_distances(al):
    """``autolens_radiation`` reproduces PyAutoLens's FlatLambdaCDM distance ratios to 1e-8."""
    ours = autolens_radiation(67.66, 0.30966)
    theirs = al.cosmo.FlatLambdaCDM(H0=67.66, Om0=0.30966)
    for zl, zs in ((0.3, 1.5), (0.3, 3.0), (0.5, 3.0), (0.8, 2.0)):
        r_ours = ours.angular_diameter_distance(zl, zs) / ours.angular_diameter_distance(zs)
        r_theirs = (theirs.angular_diameter_distance_between_redshifts_in_kpc_from(zl, zs)
                    / theirs.angular_diameter_distance_to_earth_in_kpc_from(zs))
        assert r_ours == pytest.approx(r_theirs, rel=1e-8)


def test_match_astropy_cosmology_gives_our_distances(al):
    from clusterfit.interop.autolens import autolens_cosmology

    model = load_model(example_folder())
    theirs = autolens_cosmology(model, match_astropy=True)
    ours = Cosmology(model.cosmology.H0, model.cosmology.Om0)
    for zl, zs in ((0.3, 1.5), (0.3, 3.0), (0.5, 3.0), (0.8, 2.0)):
        r_ours = ours.angular_diameter_distance(zl, zs) / ours.angular_diameter_distance(zs)
        r_theirs = (theirs.angular_diameter_distance_between_redshifts_in_kpc_from(zl, zs)
                    / theirs.angular_diameter_distance_to_earth_in_kpc_from(zs))
        assert r_ours == pytest.approx(r_theirs, rel=1e-8)


@pytest.mark.xfail(strict=True, reason="radiation density: PyAutoLens Ω_γh²=2.469e-5, astropy 2.4730e-5 "
                   "(distance ratios differ by ~1e-7, ~2e-6 arcsec at 30 arcsec deflections)")
def test_default_cosmology_within_1e_6(al):
    from clusterfit.interop.autolens import to_autolens_tracer

    model = load_model(example_folder())
    cm = compose(model)
    theta = cm.vector_from_tables()
    worst, _ = _worst(al, cm, to_autolens_tracer(model, composed=cm), theta)
    print(f"\nexample, our default cosmology: worst |Δβ| {worst:.2e} arcsec")
    assert worst < TOL


@pytest.mark.xfail(strict=True, reason="compose() now converts M200 with PyAutoLens's Planck15 and its "
                   "D_ls/D_s (1.06e-2 → 1.7e-5 arcsec); the rest is the Planck15 radiation constants")
def test_ludlow_conversion_within_1e_6(al):
    from clusterfit.interop.autolens import to_autolens_tracer

    model = variant()
    cm = compose(model)
    theta = cm.vector_from_tables()
    tracer = to_autolens_tracer(model, composed=cm)
    ours = _with_cosmology(cm, autolens_radiation(model.cosmology.H0, model.cosmology.Om0))
    worst, _ = _worst(al, ours, tracer, theta)
    print(f"\nvariant, our M200 conversion: worst |Δβ| {worst:.2e} arcsec")
    assert worst < TOL
