"""Tables → groups and the free-parameter map."""

import jax
import numpy as np
import pytest

from clusterfit import example_folder, load_model
from clusterfit.model import compose
from clusterfit.registry import get_spec


@pytest.fixture(scope="module")
def composed():
    return compose(load_model(example_folder()))


def test_vector_follows_priors_and_table_values(composed):
    assert composed.names[:3] == ("halo.mass.y", "halo.mass.x", "halo.mass.ellipticity")
    theta = composed.vector_from_tables()
    assert theta.tolist() == [1.0, -2.0, 0.3, 35.0, 900.0, 6.0, 350.0, 280.0, 160.0, 15.0]


def test_groups_hold_every_row_and_member(composed):
    classes = [(s.profile_class, s.relation is not None) for s in composed.groups]
    assert classes == [("dPIEMass", False), ("dPIEMassSph", True)]
    params = composed.group_params(composed.vector_from_tables())
    assert params[0]["sigma"].tolist() == [900.0, 350.0, 280.0]
    assert params[1]["y"].shape == (30,)


def test_tier_arrays_follow_the_scaling_relation(composed):
    model = composed.model
    rel = model.scaling_relations[0]
    theta = composed.vector_from_tables()
    theta[composed.names.index("members.scaling.sigma_ref")] = 200.0
    params = composed.group_params(theta)[1]
    lum = np.array([m.luminosity for m in model.scaling_galaxies]) / rel.luminosity_ref
    np.testing.assert_allclose(params["sigma"], 200.0 * lum ** 0.25, rtol=1e-14)
    np.testing.assert_allclose(params["r_cut"], 15.0 * lum ** 0.5, rtol=1e-14)
    np.testing.assert_allclose(params["r_core"], 0.05 * lum ** 0.5, rtol=1e-14)
    assert set(params) == {c for p in get_spec("dPIEMassSph").physical_parameters for c in p.columns}


def test_with_vector_writes_back_into_the_tables(composed):
    theta = composed.vector_from_tables() * 1.01
    model = composed.with_vector(theta)
    assert model.galaxies["halo"].mass.sigma == pytest.approx(909.0)
    assert model.scaling_relations[0].values["r_cut_ref"] == pytest.approx(15.15)
    again = compose(model)
    np.testing.assert_array_equal(again.vector_from_tables(), theta)


def test_source_planes_and_jit_vmap(composed):
    assert composed.layout.plane_redshifts == (0.3, 1.5, 2.0, 3.0)
    y, x = np.array([5.0, -8.0, 12.0]), np.array([-3.0, 4.0, 9.0])
    plane = np.array([1, 2, 3])
    theta = composed.vector_from_tables()
    f = jax.jit(jax.vmap(lambda t: composed.source_plane_yx(t, y, x, plane)))
    by, bx = f(np.stack([theta, theta]))
    for i in range(3):
        ey, ex = composed.source_plane_yx(theta, y[i:i + 1], x[i:i + 1], int(plane[i]))
        np.testing.assert_allclose([by[1, i], bx[1, i]], [ey[0], ex[0]], rtol=1e-12)


def test_mean_auto_is_the_traced_image_centroid(example_copy):
    """mean = auto: centroid of the source's images traced at the prior medians (docs/csv_format.md, priors.csv)."""
    from clusterfit.tables import save_model

    model = load_model(example_folder())
    # three images of point_0, made by tracing with the table model: their traced centroid is known
    from clusterfit.tables import PointImage

    ys, xs = np.array([26.9, 21.0, -9.2]), np.array([-7.4, 11.2, -21.0])
    images = tuple(PointImage("point_0", float(y), float(x), 0.05, redshift=1.5)
                   for y, x in zip(ys, xs, strict=True))
    save_model(model.replace(point_images=images), example_copy)
    with open(example_copy / "priors.csv", "a") as f:
        f.write("source_0,point_0,centre,Gaussian,,,auto,0.5\n")
    c = compose(load_model(example_copy))
    theta = c.priors.median()
    by, bx = c.source_plane_yx(theta, ys, xs, c.source_planes["point_0"])
    assert c.auto_means["source_0.point_0.y"] == pytest.approx(float(np.mean(by)), rel=1e-12)
    assert c.auto_means["source_0.point_0.x"] == pytest.approx(float(np.mean(bx)), rel=1e-12)
    assert theta[-2:] == pytest.approx([float(np.mean(by)), float(np.mean(bx))], rel=1e-12)
