"""Image finding vs PyAutoLens's ``al.PointSolver`` (autolens 2026.10.26.1) on a dPIE + NFW cluster.

Every image PyAutoLens finds must be found here within 1e-4″ (their precision is set by
``pixel_scale_precision = 1e-5``; at their default 1e-3 differences reach 6e-4″); images found here but not by them must satisfy the lens equation to
1e-6″ (theirs drop demagnified images below ``magnification_threshold``, ours keeps them all).
Their dPIE and NFW profiles are built with ``redshift_source`` = the source plane (docs/autolens.md).
"""


import jax.numpy as jnp
import numpy as np
import pytest

from clusterfit.physics.cosmology import Cosmology
from clusterfit.physics.solver import make_image_solver
from clusterfit.physics.tracer import Group, TracerLayout, make_tracer, tracer_factors

pytestmark = [pytest.mark.crosscheck, pytest.mark.slow]

H0, OM0 = 67.66, 0.30966
ZL, ZS = 0.3, 2.0


def _a(*v):
    return jnp.asarray(np.asarray(v, dtype=float))


def test_images_match_autolens_point_solver(al):
    mp = al.mp
    members = [((6.0, -8.0), 180.0, 0.08, 12.0), ((-9.0, 4.5), 150.0, 0.05, 9.0), ((12.0, 10.0), 120.0, 0.04, 6.0)]
    halo = mp.NFWMCRLudlowSph(centre=(-0.5, 0.4), mass_at_200=8e14, redshift_object=ZL, redshift_source=ZS)
    galaxies = [
        al.Galaxy(redshift=ZL,
                  bcg=mp.dPIEMass(centre=(0.3, -0.2), ellipticity=0.25, angle_pos=35.0, sigma=600.0, r_core=1.0,
                                  r_cut=150.0, redshift_object=ZL, redshift_source=ZS, H0=H0, Om0=OM0),
                  halo=halo, shear=mp.ExternalShear(gamma_1=0.03, gamma_2=-0.02)),
        *[al.Galaxy(redshift=ZL, mass=mp.dPIEMassSph(centre=c, sigma=s, r_core=a, r_cut=b, redshift_object=ZL,
                                                      redshift_source=ZS, H0=H0, Om0=OM0))
          for c, s, a, b in members],
        al.Galaxy(redshift=ZS),
    ]
    al_tracer = al.Tracer(galaxies=galaxies, cosmology=al.cosmo.FlatLambdaCDM(H0=H0, Om0=OM0))

    layout = TracerLayout((Group.of("dPIEMass", ZL), Group.of("NFWMCRLudlowSph", ZL),
                           Group.of("ExternalShear", ZL), Group.of("dPIEMassSph", ZL)), (ZS,))
    factors = tracer_factors(layout, Cosmology(H0, OM0))
    # their halo's κ_s folds in D_ls/D_s (and uses their Planck15): take it, divided by our ratio
    params = [
        dict(y=_a(0.3), x=_a(-0.2), ellipticity=_a(0.25), angle_pos=_a(35.0), sigma=_a(600.0), r_core=_a(1.0),
             r_cut=_a(150.0)),
        dict(y=_a(-0.5), x=_a(0.4), mass_at_200=_a(8e14), kappa_s=_a(halo.kappa_s / factors.ratio[0, 1]),
             scale_radius=_a(halo.scale_radius)),
        dict(gamma_1=_a(0.03), gamma_2=_a(-0.02)),
        dict(y=_a(*[m[0][0] for m in members]), x=_a(*[m[0][1] for m in members]),
             sigma=_a(*[m[1] for m in members]), r_core=_a(*[m[2] for m in members]),
             r_cut=_a(*[m[3] for m in members])),
    ]
    tracer = make_tracer(layout, factors)
    solver = make_image_solver(tracer)
    al_solver = al.PointSolver.for_grid(grid=al.Grid2D.uniform(shape_native=(200, 200), pixel_scales=0.3),
                                        pixel_scale_precision=1e-5, magnification_threshold=0.1, use_jax=False)
    rng = np.random.default_rng(21)
    sources = rng.uniform(-3.0, 3.0, size=(12, 2))
    ours = solver.solve(params, sources[:, 0], sources[:, 1], 1)
    worst_match, worst_extra, n_theirs, n_ours = 0.0, 0.0, 0, 0
    for (sy, sx), im in zip(sources, ours, strict=True):
        theirs = np.asarray(al_solver.solve(tracer=al_tracer, source_plane_coordinate=(sy, sx), plane_redshift=ZS))
        theirs = theirs[np.all(np.isfinite(theirs), axis=1)]
        n_theirs += len(theirs)
        n_ours += len(im.y)
        matched = np.zeros(len(im.y), dtype=bool)
        for ty, tx in theirs:
            d = np.hypot(im.y - ty, im.x - tx)
            worst_match = max(worst_match, float(d.min()))
            matched[np.argmin(d)] = True
        for k in np.nonzero(~matched)[0]:
            by, bx = tracer.ray_trace(params, jnp.asarray(im.y[k:k + 1]), jnp.asarray(im.x[k:k + 1]), 1)
            worst_extra = max(worst_extra, float(np.hypot(by[0] - sy, bx[0] - sx)))
    print(f"autolens images {n_theirs}, ours {n_ours}; worst match {worst_match:.1e}″, "
          f"worst extra-image residual {worst_extra:.1e}″")
    assert n_theirs > 20
    assert worst_match < 1e-4
    assert worst_extra < 1e-6
