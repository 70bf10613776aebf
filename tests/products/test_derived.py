"""products/derived: Einstein radius of an isothermal sphere; dPIE aperture mass = Elíasdóttir et al. 2007."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import constants as const
from astropy import units as u
from astropy.cosmology import FlatLambdaCDM

from clusterfit import load_model
from clusterfit.model import compose
from clusterfit.products.derived import (
    DRAW_GRID,
    aperture_mass,
    derived_quantities,
    einstein_radii,
    einstein_radius,
)


def _folder(tmp_path, mass: str):
    f = tmp_path / "m"
    f.mkdir()
    (f / "mass.csv").write_text(mass)
    (f / "point.csv").write_text("galaxy,attr_name,profile_class,y,x,redshift\nsrc,point_0,Point,1.0,0.5,2.0\n")
    (f / "point_datasets.csv").write_text("name,y,x,positions_noise,redshift\npoint_0,12,0,0.05,2.0\n"
                                          "point_0,-9,0,0.05,2.0\n")
    return f


@pytest.mark.parametrize("n", [601, DRAW_GRID])  # the best fit's grid and the posterior draws'
@pytest.mark.parametrize("theta_e", [3.0, 10.0])
def test_isothermal_sphere_einstein_radius(tmp_path, theta_e, n):
    f = _folder(tmp_path, "galaxy,attr_name,profile_class,y,x,einstein_radius,redshift\n"
                          f"lens,mass,IsothermalSph,0.5,-1.0,{theta_e},0.3\n")
    c = compose(load_model(f))
    plane = c.source_planes["point_0"]
    assert abs(einstein_radius(c, c.vector_from_tables(), plane, n=n) - theta_e) < 1e-3


def test_isothermal_sphere_einstein_radii_of_several_redshifts_in_one_call(tmp_path):
    """θ_E(z) = θ_E · (D_ls/D_s)(z) / (D_ls/D_s)(2) for an SIS normalised at its source (z = 2): one grid
    and one contour generator serve every redshift, each a level of κ₁ + |γ₁| (astropy's distances)."""
    f = _folder(tmp_path, "galaxy,attr_name,profile_class,y,x,einstein_radius,redshift\n"
                          "lens,mass,IsothermalSph,0.5,-1.0,6.0,0.3\n")
    c = compose(load_model(f))
    cosmo = FlatLambdaCDM(H0=67.66, Om0=0.30966, Tcmb0=2.7255, Neff=3.046, m_nu=0.0 * u.eV)  # the default

    def ratio(z):
        return (cosmo.angular_diameter_distance(0.3, z) / cosmo.angular_diameter_distance(z)).value

    zs = [0.8, 1.5, 2.0, 4.0]
    got = einstein_radii(c, c.vector_from_tables(), zs, extent=30.0)
    assert np.allclose(got, [6.0 * ratio(z) / ratio(2.0) for z in zs], atol=1e-3, rtol=0)


def test_dpie_aperture_mass_is_the_analytic_enclosed_mass(tmp_path):
    """Elíasdóttir et al. 2007 (appendix A, with Lenstool's σ: b0 = 6π σ²/c²): for D_ls/D_s = 1
    κ(R) = b0/2 · s/(s−a) · [(a²+R²)^(−1/2) − (s²+R²)^(−1/2)], so
    ∫κ dA = π b0 s/(s−a) [√(a²+R²) − a − √(s²+R²) + s]; M = Σ_cr ∫κ dA with Σ_cr = c²/(4πG D_l)."""
    sigma, a, s, z_l = 800.0, 4.0, 300.0, 0.3
    f = _folder(tmp_path, "galaxy,attr_name,profile_class,y,x,sigma,r_core,r_cut,redshift\n"
                          f"lens,mass,dPIEMassSph,2.0,-3.0,{sigma},{a},{s},{z_l}\n")
    (f / "cosmology.csv").write_text("H0,Om0\n70.0,0.3\n")
    c = compose(load_model(f))
    R = np.array([5.0, 30.0, 120.0])
    b0 = 6 * np.pi * (sigma / const.c.to_value(u.km / u.s)) ** 2 * 206264.80624709636
    area = np.pi * b0 * s / (s - a) * (np.sqrt(a**2 + R**2) - a - np.sqrt(s**2 + R**2) + s)  # arcsec²
    d_l = FlatLambdaCDM(H0=70.0, Om0=0.3, Tcmb0=2.7255, Neff=3.046, m_nu=0.0 * u.eV).angular_diameter_distance(z_l)
    sigma_cr = (const.c**2 / (4 * np.pi * const.G * d_l)).to(u.Msun / u.kpc**2)
    kpc_per_arcsec = d_l.to_value(u.kpc) * np.pi / 648000
    expected = area * sigma_cr.value * kpc_per_arcsec**2
    got = aperture_mass(c, c.vector_from_tables(), R, centre=(2.0, -3.0))
    np.testing.assert_allclose(got, expected, rtol=1e-4)
    # the κ map gives the same: a fine pixel sum within 30″ (pixelisation ~1e-4 at 0.02″ pixels)
    from clusterfit.products.fields import evaluate_fields, field_evaluator

    ev = field_evaluator(c, 2.0)
    t = np.arange(-30, 30, 0.02) + 0.01
    yy, xx = np.meshgrid(t + 2.0, t - 3.0, indexing="ij")
    inside = (yy - 2.0) ** 2 + (xx + 3.0) ** 2 < 30.0**2
    kappa = evaluate_fields(ev, c.vector_from_tables(), yy[inside], xx[inside])["kappa_norm"]
    assert abs(kappa.sum() * 0.02**2 / area[1] - 1) < 1e-3


def test_derived_quantities_with_draws(tmp_path):
    f = _folder(tmp_path, "galaxy,attr_name,profile_class,y,x,einstein_radius,redshift\n"
                          "lens,mass,IsothermalSph,0.0,0.0,10.0,0.3\n")
    (f / "priors.csv").write_text("galaxy,attr_name,parameter,prior,lower,upper,mean,sigma\n"
                                  "lens,mass,einstein_radius,Uniform,5,15,,\n")
    c = compose(load_model(f))
    draws = np.array([[9.0], [10.0], [11.0], [12.0]])
    q = {x.name: x for x in derived_quantities(c, c.vector_from_tables(), draws=draws)}
    te = q["einstein_radius.z=2"]
    assert abs(te.best - 10.0) < 1e-3 and abs(te.median - 10.5) < 1e-3
    assert te.lower_16 < te.median < te.upper_84
    assert q["mass_2d.R=100kpc"].best > 0


def test_evaluate_json_derived(tmp_path, capsys):
    import json

    from clusterfit.cli import main

    f = _folder(tmp_path, "galaxy,attr_name,profile_class,y,x,einstein_radius,redshift\n"
                          "lens,mass,IsothermalSph,0.0,0.0,10.0,0.3\n")
    (f / "sky_reference.csv").write_text("ra,dec\n150.0,2.0\n")
    assert main(["evaluate", str(f), "--json", "--derived"]) == 0
    out = json.loads(capsys.readouterr().out)
    q = {d["name"]: d for d in out["derived"]}
    assert abs(q["einstein_radius.z=2"]["best"] - 10.0) < 1e-3 and q["einstein_radius.z=2"]["median"] is None
    system = out["systems"][0]
    assert len(system["predicted_radec"]) == len(system["predicted"]) == len(system["time_delays"]) == 2
    assert system["parity"] == [1 if p[2] > 0 else -1 for p in system["predicted"]]


def test_draws_einstein_radii_on_the_box_around_the_best_fit_and_again_on_the_extent(tmp_path):
    """The draws are done on a box around the best fit's critical region (θ_E = 10″ → ±16″ of the ±40″
    extent): a draw inside it (15″) and one whose region reaches its edge (17″, done again on the whole
    extent) both give the analytic θ_E of the isothermal sphere."""
    from clusterfit.products.derived import _draw_grid, _posterior_einstein_radii

    f = _folder(tmp_path, "galaxy,attr_name,profile_class,y,x,einstein_radius,redshift\n"
                          "lens,mass,IsothermalSph,0.0,0.0,10.0,0.3\n")
    (f / "priors.csv").write_text("galaxy,attr_name,parameter,prior,lower,upper,mean,sigma\n"
                                  "lens,mass,einstein_radius,Uniform,5,25,,\n")
    c = compose(load_model(f))
    xs = np.linspace(-40, 40, 601)
    dx, dy = _draw_grid(xs, xs, np.array([-10.0, 10.0, -10.0, 10.0]))
    assert 15.5 < dx[-1] < 17 and dx[1] - dx[0] <= 80 / (DRAW_GRID - 1)  # at least the draws' resolution
    radii = _posterior_einstein_radii(c, np.array([[10.0], [15.0], [17.0]]), [2.0], 40.0)
    np.testing.assert_allclose(radii[:, 0], [10.0, 15.0, 17.0], atol=2e-3)
