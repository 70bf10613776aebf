"""Issue 8: the PyAutoLens bridge on a simulated example dataset and on the published A2744 Lenstool model.

1. Source-plane positions of every observed image from our tracer and from ``to_autolens_tracer`` agree
   to 1e-6″, and both solvers (ours, ``al.PointSolver`` at pixel_scale_precision 1e-5) find the same
   images within 1e-4″. Convention: PyAutoLens's radiation constants (Ω_γh² = 2.469e-5) differ from
   astropy's (ours) by ~1e-7 in D_ls/D_s, ~6e-6″ at A2744's 60″ deflections, and every dPIE folds its
   own (H0, Om0) cosmology in at construction; so our composed model is given PyAutoLens's radiation
   (``autolens_radiation`` of ``test_model_autolens``) and the tracer ``match_astropy=False``.
2. ``to_autolens_model`` has our number of free parameters, and PyAutoLens's log-likelihood at our
   best fit equals :func:`autolens_log_likelihood` (our χ² plus their documented noise normalisation and
   marginalisation terms) to 1e-6 relative; their χ² equals ours to 1e-6 relative.
"""

import os
import pickle
import runpy
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest
from test_model_autolens import (  # tests/crosscheck is on sys.path
    _with_cosmology,
    autolens_radiation,
)

from clusterfit import example_folder, load_model
from clusterfit.fit.likelihood import make_source_plane_chi2, point_data
from clusterfit.model import compose
from clusterfit.model.priors import PriorKind
from clusterfit.physics.solver import make_image_solver
from clusterfit.tables import PriorRow
from clusterfit.tables.model import render_model

pytestmark = [pytest.mark.crosscheck]

SOURCE_TOL = 1e-6  # arcsec
IMAGE_TOL = 1e-4  # arcsec
LIKELIHOOD_RTOL = 1e-6


@pytest.fixture(scope="module")
def example_data(tmp_path_factory):
    from clusterfit.simulate import simulate

    return simulate(example_folder(), tmp_path_factory.mktemp("bridge") / "data", seed=1)


def _their_radiation(model, cm):
    return _with_cosmology(cm, autolens_radiation(model.cosmology.H0, model.cosmology.Om0))


def _source_plane_worst(al, model, cm, theta) -> tuple[float, float]:
    """(worst |Δβ| over every observed image, largest deflection), arcsec."""
    from clusterfit.interop.autolens import to_autolens_tracer

    data = point_data(cm)
    ours_cm = _their_radiation(model, cm)
    tracer = to_autolens_tracer(model, theta=theta, composed=cm)
    theirs = tracer.traced_grid_2d_list_from(grid=al.Grid2DIrregular(np.stack([data.y, data.x], 1)))
    their = np.stack([np.asarray(theirs[j])[i] for i, j in enumerate(data.plane)])
    by, bx = ours_cm.source_plane_yx(theta, jnp.asarray(data.y), jnp.asarray(data.x), jnp.asarray(data.plane))
    worst = float(np.hypot(np.asarray(by) - their[:, 0], np.asarray(bx) - their[:, 1]).max())
    return worst, float(np.hypot(data.y - their[:, 0], data.x - their[:, 1]).max())


def _images_agree(al, model, cm, theta, systems, pixel_scale):
    """Both solvers on the solved source of each system; returns (n theirs, worst distance)."""
    from clusterfit.interop.autolens import to_autolens_tracer

    ours_cm = _their_radiation(model, cm)
    data = point_data(cm)
    _, sy, sx = make_source_plane_chi2(ours_cm, data)(jnp.asarray(theta))
    params = ours_cm.group_params(theta)
    tracer = to_autolens_tracer(model, theta=theta, composed=cm)
    half = max(np.abs(data.y).max(), np.abs(data.x).max()) + 5.0
    n = 2 * int(np.ceil(half / pixel_scale))
    al_solver = al.PointSolver.for_grid(grid=al.Grid2D.uniform(shape_native=(n, n), pixel_scales=pixel_scale),
                                        pixel_scale_precision=1e-5, magnification_threshold=0.1,
                                        use_jax=False)
    solver = make_image_solver(ours_cm.tracer)
    n_theirs, worst = 0, 0.0
    for k in systems:
        plane = int(data.plane[data.system == k][0])
        src = (float(sy[k]), float(sx[k]))
        ours = solver.solve(params, np.array([src[0]]), np.array([src[1]]), plane)[0]
        theirs = np.asarray(al_solver.solve(tracer=tracer, source_plane_coordinate=src,
                                            plane_redshift=cm.layout.plane_redshifts[plane]))
        theirs = theirs[np.all(np.isfinite(theirs), axis=1)]
        bright = np.abs(ours.magnification) >= 0.1
        print(f"  {data.names[k]}: ours {len(ours.y)} ({bright.sum()} with |μ| ≥ 0.1), theirs {len(theirs)}")
        assert len(theirs) == bright.sum(), (data.names[k], len(theirs), bright.sum())
        for ty, tx in theirs:  # every image of theirs is one of ours ...
            d = np.hypot(ours.y - ty, ours.x - tx)
            worst = max(worst, float(d.min()))
            assert bright[np.argmin(d)]
        for y, x in zip(ours.y[bright], ours.x[bright], strict=True):  # ... and every bright one of ours theirs
            worst = max(worst, float(np.hypot(theirs[:, 0] - y, theirs[:, 1] - x).min()))
        n_theirs += len(theirs)
    return n_theirs, worst


@pytest.mark.slow
def test_example_source_and_image_positions(al, example_data):
    model = load_model(example_data)
    cm = compose(model)
    theta = cm.vector_from_tables()
    worst, deflection = _source_plane_worst(al, model, cm, theta)
    print(f"\nexample: worst |Δβ| {worst:.2e}″ over {len(model.point_images)} images "
          f"(largest deflection {deflection:.1f}″)")
    assert deflection > 10.0 and worst < SOURCE_TOL
    n, worst = _images_agree(al, model, cm, theta, range(len(model.point_datasets)), 0.25)
    print(f"example: {n} images, worst distance between the solvers {worst:.2e}″")
    assert n >= 12 and worst < IMAGE_TOL  # the simulation's |μ| < 0.1 images are below their threshold


@pytest.mark.slow
def test_a2744_best_par_source_and_image_positions(al):
    from clusterfit.interop.lenstool import import_lenstool

    DATA = Path(__file__).resolve().parents[1] / "data" / "lenstool"  # noqa: N806  (tests/data/lenstool/README.md)
    model = import_lenstool(DATA / "a2744" / "best.par", images=DATA / "a2744" / "A2744_SLspec.par")
    cm = compose(model)
    theta = cm.vector_from_tables()
    worst, deflection = _source_plane_worst(al, model, cm, theta)
    print(f"\nA2744: worst |Δβ| {worst:.2e}″ over {len(model.point_images)} images on "
          f"{len(cm.layout.plane_redshifts) - 1} source planes (largest deflection {deflection:.1f}″)")
    assert len(model.mass) == 258 and deflection > 40.0 and worst < SOURCE_TOL
    names = [d.name for d in model.point_datasets]
    systems = [names.index(n) for n in ("point_1", "point_4", "point_26")]  # 3, 5 and 3 images
    n, worst = _images_agree(al, model, cm, theta, systems, 0.4)
    print(f"A2744: {n} images of 3 systems, worst distance between the solvers {worst:.2e}″")
    assert n >= 11 and worst < IMAGE_TOL


def _with_more_priors(model):
    """Every prior kind and relation path: a free source centre (mean = auto → FitPositionsSource), a
    truncated Gaussian, a free relation exponent."""
    extra = (PriorRow("source_0", "point_0", "centre", "Gaussian", None, None, "auto", 0.3),
             PriorRow("lens_0", "mass", "r_core", "Gaussian", 0.01, 1.0, 0.2, 0.1),
             PriorRow("members", "scaling", "sigma_exponent", "Uniform", 0.2, 0.3, None, None))
    return model.replace(priors=model.priors + extra)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["best fit", "every prior kind"])
def test_model_dimension_and_log_likelihood(al, example_data, case):
    import autofit as af

    from clusterfit.fit.optimise import find_map
    from clusterfit.interop.autolens import (
        autolens_instance,
        autolens_log_likelihood,
        autolens_priors,
        to_autolens_analyses,
        to_autolens_model,
    )

    model = load_model(example_data)
    if case != "best fit":
        model = _with_more_priors(model)
    cm = compose(model)
    data = point_data(cm)
    chi2 = make_source_plane_chi2(cm, data)
    if case == "best fit":
        theta = find_map(lambda t: chi2(t)[0], cm.priors, cm.vector_from_tables(), n_starts=1).theta
    else:  # the truth (the source centre at its table value); far from it χ² ~ 1e6, where their
        theta = cm.vector_from_tables()  # finite-difference Jacobians (rtol 1e-7) dominate
    af_model = to_autolens_model(model, cm)
    assert af_model.prior_count == len(cm.free) == (10 if case == "best fit" else 14)
    priors = autolens_priors(af_model, cm)
    for i, name in enumerate(cm.names):  # same kind and parameters as priors.csv
        prior, kind = priors[name], PriorKind(cm.priors.kind[i])
        if kind == PriorKind.GAUSSIAN and np.isfinite(cm.priors.lower[i]):
            assert isinstance(prior, af.TruncatedGaussianPrior)
            assert (prior.lower_limit, prior.upper_limit) == (cm.priors.lower[i], cm.priors.upper[i])
        else:
            assert isinstance(prior, (af.UniformPrior, af.LogUniformPrior, af.GaussianPrior)[kind])
        if kind == PriorKind.GAUSSIAN:
            assert (prior.mean, prior.sigma) == (cm.priors.mean[i], cm.priors.sigma[i])
        else:
            assert (prior.lower_limit, prior.upper_limit) == (cm.priors.lower[i], cm.priors.upper[i])
    instance = autolens_instance(af_model, cm, theta)
    analyses = to_autolens_analyses(model, cm)
    cm = _their_radiation(model, cm)  # PyAutoLens's radiation constants (module docstring)
    chi2 = make_source_plane_chi2(cm, data)
    fit_classes = {a.dataset.name: a.fit_positions_cls.__name__ for a in analyses}
    if case != "best fit":
        assert fit_classes["point_0"] == "FitPositionsSource"
    assert fit_classes["point_1"] == "FitPositionsSourceSolved"
    theirs_log_l = sum(float(a.log_likelihood_function(instance)) for a in analyses)
    theirs_chi2 = sum(float(a.fit_from(instance).positions.chi_squared) for a in analyses)
    ours_chi2 = float(chi2(jnp.asarray(theta))[0])
    ours_log_l = autolens_log_likelihood(cm, theta, data)
    print(f"\n{case}: χ² ours {ours_chi2:.10g} theirs {theirs_chi2:.10g}; log L in their convention "
          f"ours {ours_log_l:.10g} theirs {theirs_log_l:.10g} (ours −χ²/2 = {-ours_chi2 / 2:.6g}); "
          f"relative differences {theirs_chi2 / ours_chi2 - 1:.1e}, {theirs_log_l / ours_log_l - 1:.1e}")
    assert theirs_chi2 == pytest.approx(ours_chi2, rel=LIKELIHOOD_RTOL)
    assert theirs_log_l == pytest.approx(ours_log_l, rel=LIKELIHOOD_RTOL)
    assert abs(theirs_log_l + ours_chi2 / 2) > 1.0  # the convention terms are not negligible


def test_instance_round_trip(al, example_data):
    from clusterfit.interop.autolens import (
        autolens_cosmology,
        autolens_instance,
        from_autolens_instance,
        to_autolens_model,
        to_autolens_tracer,
    )

    model = _with_more_priors(load_model(example_data))
    cm = compose(model)
    af_model = to_autolens_model(model, cm)
    at_tables = from_autolens_instance(autolens_instance(af_model, cm, cm.vector_from_tables()), model, cm)
    assert render_model(at_tables) == render_model(model)  # not a changed cell
    theta = np.asarray(cm.priors.transform(np.random.default_rng(3).uniform(0.1, 0.9, len(cm.free))))
    instance = autolens_instance(af_model, cm, theta)
    back = from_autolens_instance(instance, model, cm)
    assert np.array_equal(compose(back).vector_from_tables(), theta)
    assert render_model(back) == render_model(cm.with_vector(theta))
    member = instance.galaxies.members_0.mass  # Member<class> pickles by name (process pools)
    assert type(member).__name__ == "MemberdPIEMassSph"
    assert pickle.loads(pickle.dumps(member)).sigma == member.sigma
    # a search over several datasets (af.FactorGraphModel) returns one child instance per factor
    import autofit as af

    from clusterfit.interop.autolens import autolens_priors, to_autolens_analyses

    graph = af.FactorGraphModel(*[af.AnalysisFactor(prior_model=af_model, analysis=a)
                                  for a in to_autolens_analyses(model, cm)])
    assert graph.global_prior_model.prior_count == len(cm.free)
    priors = autolens_priors(af_model, cm)
    graph_instance = graph.global_prior_model.instance_for_arguments(
        {priors[n]: float(v) for n, v in zip(cm.names, theta, strict=True)})
    back = from_autolens_instance(graph_instance, model, cm)
    assert np.array_equal(compose(back).vector_from_tables(), theta)
    # the instance's galaxies (members built by member_class) are the tracer of to_autolens_tracer
    grid = al.Grid2DIrregular(np.random.default_rng(4).uniform(-30, 30, (50, 2)))
    mine = al.Tracer(galaxies=list(instance.galaxies), cosmology=autolens_cosmology(model))
    ref = to_autolens_tracer(model, theta=theta, composed=cm)
    for a, b in zip(mine.traced_grid_2d_list_from(grid=grid), ref.traced_grid_2d_list_from(grid=grid),
                    strict=True):
        assert np.abs(np.asarray(a) - np.asarray(b)).max() < 1e-10


def test_point_datasets_round_trip(al, example_data):
    from clusterfit.interop.autolens import from_autolens_point_datasets, to_autolens_point_datasets
    from clusterfit.tables import PointImage

    model = load_model(example_data)
    images = tuple(PointImage(im.name, im.y, im.x, im.positions_noise, 1.0 + i, 0.1, 10.0 * i, 2.0,
                              im.redshift) for i, im in enumerate(model.point_images))
    model = model.replace(point_images=images)
    assert from_autolens_point_datasets(to_autolens_point_datasets(model)) == images
    back = from_autolens_point_datasets(to_autolens_point_datasets(model), model)
    assert render_model(back) == render_model(model)


def test_export_autolens_folder_loads_with_its_script(al, example_data, tmp_path):
    """``clusterfit export-autolens``: refuses an existing folder; its ``load_in_autolens.py`` (run here)
    gives PyAutoLens's tracer and datasets of the model."""
    from clusterfit.cli import main
    from clusterfit.interop.autolens import to_autolens_point_datasets, to_autolens_tracer

    out = tmp_path / "for_autolens"
    assert main(["export-autolens", str(example_data), "-o", str(out)]) == 0
    assert main(["export-autolens", str(example_data), "-o", str(out)]) == 1  # exists
    assert main(["export-autolens", str(example_data), "-o", str(out), "--overwrite"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["clusterfit_manifest.json", "light.csv",
                                                      "load_in_autolens.py", "mass.csv", "point.csv",
                                                      "point_datasets.csv"]
    model = load_model(example_data)
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        ns = runpy.run_path(str(out / "load_in_autolens.py"))
    finally:
        os.chdir(cwd)
    galaxies, datasets, tracer = ns["galaxies"], ns["datasets"], ns["tracer"]
    assert len(galaxies) == len(model.galaxies) + len(model.scaling_galaxies)
    expected = to_autolens_point_datasets(model)
    assert [(d.name, d.redshift, [tuple(p) for p in d.positions]) for d in datasets] == \
        [(d.name, d.redshift, [tuple(p) for p in d.positions]) for d in expected]
    grid = al.Grid2DIrregular(np.random.default_rng(5).uniform(-30, 30, (50, 2)))
    ref = to_autolens_tracer(model)
    assert tuple(tracer.plane_redshifts) == tuple(ref.plane_redshifts)
    for a, b in zip(tracer.traced_grid_2d_list_from(grid=grid), ref.traced_grid_2d_list_from(grid=grid),
                    strict=True):
        assert np.abs(np.asarray(a) - np.asarray(b)).max() < 1e-10
    # and the exported folder is still a clusterfit folder with the same physics
    exported = compose(load_model(out))
    cm = compose(model)
    g = np.asarray(grid)
    for j in range(len(cm.layout.plane_redshifts)):
        a = exported.source_plane_yx(exported.vector_from_tables(), g[:, 0], g[:, 1], j)
        b = cm.source_plane_yx(cm.vector_from_tables(), g[:, 0], g[:, 1], j)
        assert np.abs(np.asarray(a) - np.asarray(b)).max() < 1e-10


def test_free_source_redshift_is_refused_with_the_priors_row(al, example_data):
    from clusterfit.interop.autolens import to_autolens_model

    model = load_model(example_data)
    model = model.replace(priors=model.priors + (
        PriorRow("source_2", "redshift", "redshift", "Uniform", 2.5, 3.5, None, None),))
    with pytest.raises(ValueError, match="source_2.redshift.redshift is free.*fix the redshift"):
        to_autolens_model(model)
