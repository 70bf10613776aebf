"""products.fields: the one-plane kernel (profiles' analytic Hessians, a scan over profiles) against the
general path (forward-mode Jacobian of the ray trace to ``z_source``, as used for several planes).

The model mixes every kind of group: "physical" dPIEs (elliptical and round, σ normalised to D_ls/D_s = 1),
an NFWMCRLudlowSph halo, and "reference" groups normalised to the last source plane (NFWSph, Isothermal,
PowerLaw, PointMass, MassSheet, ExternalShear), evaluated for a source redshift that is none of the table's.
"""

from __future__ import annotations

import shutil

import jax.numpy as jnp
import numpy as np
import pytest

from clusterfit import example_folder, load_model
from clusterfit.model import compose
from clusterfit.physics.cosmology import distance_table
from clusterfit.physics.functions import profile_function
from clusterfit.physics.tracer import jvp_jacobian, make_tracer
from clusterfit.products.fields import cosmology_of, evaluate_fields, field_evaluator, unit_weights

Z_SOURCE = 2.7
EXTRA = [  # (galaxy, class, {column: value}) at the cluster's redshift 0.3
    ("bcg2", "dPIEMassSph", dict(y=-6.0, x=9.0, sigma=250.0, r_core=0.0, r_cut=30.0, redshift_object=0.3,
                                 redshift_source=3.0, H0=67.66, Om0=0.30966)),
    ("halo2", "NFWMCRLudlowSph", dict(y=12.0, x=4.0, mass_at_200=3e14, redshift_object=0.3, redshift_source=3.0)),
    ("nfw", "NFWSph", dict(y=-15.0, x=-10.0, kappa_s=0.08, scale_radius=20.0)),
    ("sie", "Isothermal", dict(y=3.0, x=-20.0, ell_comps_0=0.1, ell_comps_1=-0.2, einstein_radius=2.0)),
    ("pl", "PowerLaw", dict(y=-20.0, x=15.0, ell_comps_0=-0.05, ell_comps_1=0.1, einstein_radius=1.5, slope=2.2)),
    ("pm", "PointMass", dict(y=8.0, x=-5.0, einstein_radius=1.2)),
    ("sheet", "MassSheet", dict(y=0.0, x=0.0, kappa=0.03)),
    ("shear", "ExternalShear", dict(gamma_1=0.04, gamma_2=-0.02)),
]


@pytest.fixture(scope="module")
def composed(tmp_path_factory):
    out = tmp_path_factory.mktemp("fields") / "cluster"
    shutil.copytree(example_folder(), out)
    lines = (out / "mass.csv").read_text().splitlines()
    header = lines[0].split(",")
    columns = [*header, *sorted({c for _, _, v in EXTRA for c in v} - set(header))]
    rows = [dict(zip(header, ln.split(","), strict=True)) for ln in lines[1:]]
    rows += [{"galaxy": g, "attr_name": "mass", "profile_class": c, "redshift": "0.3",
              **{k: repr(v) for k, v in vals.items()}} for g, c, vals in EXTRA]
    (out / "mass.csv").write_text("\n".join([",".join(columns)] + [",".join(r.get(c, "") for c in columns)
                                                                    for r in rows]) + "\n")
    model = compose(load_model(out))
    kinds = {(g.profile_class, g.kind) for g in model.layout.groups}
    # NFWMCRLudlowSph is evaluated as a "physical" NFWSph group (κ_s, r_s from M200 at build time)
    assert kinds >= {("NFWSph", "physical"), ("NFWSph", "reference"), ("dPIEMass", "physical"),
                     *((c, "reference") for c in ("Isothermal", "PowerLaw", "PointMass", "MassSheet",
                                                  "ExternalShear"))}
    return model


def _positions():
    rng = np.random.default_rng(3)
    pts = rng.uniform(-40.0, 40.0, size=(400, 2))
    near = np.array([[0.0, 0.0], [1.0, -2.0], [18.0, -14.0]]) + rng.normal(0, 0.05, (3, 2))  # near centres
    return np.vstack([pts, near])


def test_single_plane_kernel_equals_the_jvp_ray_trace(composed):
    theta = composed.vector_from_tables()
    params = composed.group_params(theta)
    pts = _positions()
    y, x = pts[:, 0], pts[:, 1]
    f = evaluate_fields(field_evaluator(composed, Z_SOURCE), theta, y, x)

    tracer = make_tracer(composed.layout, composed.factors,
                         distances=distance_table(cosmology_of(composed), z_max=20.0))
    r, zs = composed.layout.reference_plane, jnp.asarray(Z_SOURCE)
    by, bx = tracer.ray_trace(params, jnp.asarray(y), jnp.asarray(x), r, zs)
    a = jvp_jacobian(tracer.ray_trace)(params, jnp.asarray(y), jnp.asarray(x), r, zs)
    a = {k: np.asarray(getattr(a, k)) for k in ("yy", "yx", "xy", "xx")}
    det = a["yy"] * a["xx"] - a["yx"] * a["xy"]
    ratio = field_evaluator(composed, Z_SOURCE).ratio
    psi = ratio * sum(w * profile_function(g.profile_class, "potential")(p, y, x)
                      for w, g, p in zip(unit_weights(composed), composed.layout.groups, params, strict=True))
    expected = {"alpha_y": y - np.asarray(by), "alpha_x": x - np.asarray(bx),
                "kappa": 1.0 - 0.5 * (a["yy"] + a["xx"]), "gamma1": 0.5 * (a["yy"] - a["xx"]),
                "gamma2": -0.5 * (a["xy"] + a["yx"]), "psi": np.asarray(psi)}
    for name, want in expected.items():
        scale = np.max(np.abs(want))
        err = np.max(np.abs(f[name] - want)) / scale
        print(f"{name}: max |Δ| / max |value| = {err:.1e}")
        assert err <= 1e-9, name
    np.testing.assert_allclose(1.0 / f["magnification"], det, rtol=0, atol=1e-9)
    np.testing.assert_allclose(f["kappa_norm"] * ratio, f["kappa"], rtol=1e-12)


def test_field_subsets_are_the_full_kernel(composed):
    """A subset (e.g. κ and γ only, which skips α and ψ) returns the same values as the full kernel."""
    theta = composed.vector_from_tables()
    pts = _positions()[:50]
    full = evaluate_fields(field_evaluator(composed, Z_SOURCE), theta, pts[:, 0], pts[:, 1])
    for names in (("kappa", "gamma"), ("psi",), ("alpha_x", "magnification")):
        part = evaluate_fields(field_evaluator(composed, Z_SOURCE, names), theta, pts[:, 0], pts[:, 1])
        assert tuple(part) == names
        for n in names:
            np.testing.assert_allclose(part[n], full[n], rtol=1e-13, atol=1e-15)


def test_tracer_single_plane_jacobian_is_the_jvp_one(composed):
    """physics.tracer: with one lens plane ``jacobian`` is I − Σ f H from the analytic Hessians; it equals
    the forward-mode Jacobian of the ray trace for per-position planes (lens plane, sources) and free source
    redshifts, as the likelihood calls it."""
    theta = composed.vector_from_tables()
    params = composed.group_params(theta)
    pts = _positions()
    y, x = jnp.asarray(pts[:, 0]), jnp.asarray(pts[:, 1])
    tracer = make_tracer(composed.layout, composed.factors,
                         distances=distance_table(cosmology_of(composed), z_max=20.0))
    n_planes = len(composed.layout.plane_redshifts)
    plane = jnp.asarray(np.arange(len(pts)) % n_planes)  # includes the lens plane itself (A = I there)
    z_s = jnp.asarray(np.where(np.arange(len(pts)) % 3 == 0, 2.2, 4.1))
    for zs in (None, z_s):
        ours = tracer.jacobian(params, y, x, plane, zs)
        ref = jvp_jacobian(tracer.ray_trace)(params, y, x, plane, zs)
        for k in ("yy", "yx", "xy", "xx"):
            np.testing.assert_allclose(getattr(ours, k), getattr(ref, k), rtol=0, atol=1e-12)
