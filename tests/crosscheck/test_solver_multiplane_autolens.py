"""Image finding on a 3-lens-plane cluster vs PyAutoLens's PointSolver (issue 4, acceptance 1).

The example cluster (z = 0.3) plus a dPIE at z = 0.5, an Isothermal at z = 0.8 and an external shear,
sources on z = 3. The PyAutoLens tracer comes from :func:`clusterfit.interop.autolens.to_autolens_tracer`
with ``match_astropy=True`` (its radiation constants aligned with ours; the tracers then agree to ~1e-11″).
Every image PyAutoLens finds (|μ| ≥ 0.1, its threshold) must be found here within 1e-4″; images only we find
must satisfy the lens equation to 1e-6″.
"""

import jax.numpy as jnp
import numpy as np
import pytest

from clusterfit import example_folder, load_model
from clusterfit.model import compose
from clusterfit.physics.solver import make_image_solver
from clusterfit.tables import ProfileRow

pytestmark = [pytest.mark.crosscheck, pytest.mark.slow]


def three_plane_model():
    model = load_model(example_folder())
    mass = model.mass + (
        ProfileRow("mass", "mid", "mass", "dPIEMass",
                   {"y": 6.0, "x": 9.0, "ellipticity": 0.25, "angle_pos": 70.0, "sigma": 300.0,
                    "r_core": 0.3, "r_cut": 50.0}, 0.5),
        ProfileRow("mass", "far", "mass", "Isothermal",
                   {"y": -8.0, "x": -6.0, "ell_comps_0": 0.12, "ell_comps_1": -0.07,
                    "einstein_radius": 2.0}, 0.8),
        ProfileRow("mass", "far", "shear", "ExternalShear", {"gamma_1": 0.03, "gamma_2": -0.02}, 0.8),
    )
    return model.replace(mass=mass)


def test_three_plane_images_match_autolens_point_solver(al):
    from clusterfit.interop.autolens import to_autolens_tracer

    model = three_plane_model()
    cm = compose(model)
    assert len(cm.layout.lens_planes) == 3
    theta = cm.vector_from_tables()
    params = cm.group_params(theta)
    plane = cm.layout.plane_index(3.0)
    al_tracer = to_autolens_tracer(model, composed=cm, match_astropy=True)
    al_solver = al.PointSolver.for_grid(grid=al.Grid2D.uniform(shape_native=(300, 300), pixel_scales=0.25),
                                        pixel_scale_precision=1e-5, magnification_threshold=0.1,
                                        use_jax=False)
    rng = np.random.default_rng(5)
    sources = rng.uniform(-3.0, 3.0, size=(6, 2)) + np.array([1.5, -2.0])
    ours = make_image_solver(cm.tracer).solve(params, sources[:, 0], sources[:, 1], plane)
    n_theirs = 0
    for (sy, sx), im in zip(sources, ours, strict=True):
        theirs = np.asarray(al_solver.solve(tracer=al_tracer, source_plane_coordinate=(sy, sx),
                                            plane_redshift=3.0))
        theirs = theirs[np.all(np.isfinite(theirs), axis=1)]
        n_theirs += len(theirs)
        matched = np.zeros(len(im.y), dtype=bool)
        for ty, tx in theirs:
            d = np.hypot(im.y - ty, im.x - tx)
            assert d.min() < 1e-4, (sy, sx, ty, tx, d.min())
            matched[np.argmin(d)] = True
        for k in np.nonzero(~matched)[0]:
            by, bx = cm.tracer.ray_trace(params, jnp.asarray(im.y[k:k + 1]), jnp.asarray(im.x[k:k + 1]), plane)
            assert np.hypot(float(by[0]) - sy, float(bx[0]) - sx) < 1e-6
    assert n_theirs >= 12
