"""The elliptical dPIE's real closed forms against Kassiola & Kovner's complex solution in 40-digit arithmetic.

``dpie.py`` evaluates each cored term as Keeton's (2001) softened isothermal ellipsoid (atan, atanh, log).
The references here are the independent forms Lenstool and PyAutoLens use, KK93 Eq. 4.1.2 with complex
logs, α = b0 s/(s − a) [I*(a) − I*(s)], and KK93's complex potential I0.5c (Lenstool ``pi05``, with complex
cosh and sinh), evaluated with mpmath at 40 digits; the Hessian reference is mpmath's numerical derivative
of that deflection. Hostile points: the exact centre, 1e-6″ from it, both axes, diagonals and the far field
(to 1000″, up to 1e4 cut radii); ellipticities from 0 (ε clamped to 1e-5) to 0.9999999 (ε clamped near
0.99955). Tolerance 1e-10 relative, plus 1e-13 R/(q r_cut) (q = (1 − ε)/(1 + ε)): far outside r_cut the
dPIE is the small difference of two cored terms, and every double-precision form (KK93's too) loses about
log10(R/(q r_cut)) digits there (measured: 2.8e-9 for the Hessian at R = 1e4 r_cut, q = 2.2e-4, where the
complex form with forward-mode derivatives is off by 5.7e-9).
"""

import jax.numpy as jnp
import mpmath as mp
import numpy as np
import pytest

from clusterfit.physics.mass import dpie

mp.mp.dps = 40
ELLIPTICITIES = [0.0, 0.05, 0.5, 0.99, 0.9999999]
RADII = [(1e-4, 5.0), (2.0, 1000.0), (1e-3, 0.1)]
SIGMA, CENTRE, ANGLE = 420.0, (0.3, -0.2), 37.0


def _eps(e):
    qm = mp.sqrt((1 - mp.mpf(e)) / (1 + mp.mpf(e)))
    return min(max((1 - qm) / (1 + qm), mp.mpf(dpie.EPS_MIN)), mp.mpf(dpie.EPS_MAX))


def _ref_deflection(eps, a, s, xp, yp):
    """(α_x', α_y') of KK93's complex solution in the profile frame."""
    k = mp.mpf(dpie.b0_from_sigma(SIGMA)) * s / (s - a)
    sqe, q = mp.sqrt(eps), (1 - eps) / (1 + eps)
    rem2 = xp**2 / (1 + eps) ** 2 + yp**2 / (1 - eps) ** 2

    def log_ratio(rc):
        num = mp.mpc(q * xp, 2 * sqe * mp.sqrt(rc**2 + rem2) - yp / q)
        return mp.log(num / mp.mpc(xp, 2 * rc * sqe - yp))

    dl = log_ratio(mp.mpf(a)) - log_ratio(mp.mpf(s))
    ci = (1 - eps**2) / (2 * sqe)
    return k * ci * mp.im(dl), -k * ci * mp.re(dl)


def _ref_potential(eps, a, s, xp, yp):
    """ψ of KK93's I0.5c (Lenstool ``pi05``): k [π(a) − π(s)], π/rc = ci/R [Im C x' − Re C y'] (complex C)."""
    k = mp.mpf(dpie.b0_from_sigma(SIGMA)) * s / (s - a)
    sqe = mp.sqrt(eps)
    ci = (1 - eps**2) / (2 * sqe)
    rem = mp.sqrt(xp**2 / (1 + eps) ** 2 + yp**2 / (1 - eps) ** 2)
    z = mp.sqrt(xp**2 + yp**2)
    eta = mp.mpc(-mp.asinh(2 * sqe / (1 - eps) * yp / z) / 2, mp.asin(2 * sqe / (1 + eps) * xp / z) / 2)

    def pi05(rc):
        zeta = mp.log((rem + mp.sqrt(rc**2 + rem**2)) / rc) / 2
        b1, b2 = mp.cosh(eta + zeta), mp.cosh(eta - zeta)
        cc = mp.sinh(2 * eta) * mp.log(mp.cosh(eta) ** 2 / (b1 * b2)) + mp.sinh(2 * zeta) * mp.log(b1 / b2)
        return ci * rc / rem * (mp.im(cc) * xp - mp.re(cc) * yp)

    return k * (pi05(mp.mpf(a)) - pi05(mp.mpf(s)))


def _points():
    phi = np.deg2rad(ANGLE)
    pts = [(0.0, 0.0)]
    for r in (1e-6, 1e-3, 0.1, 1.0, 10.0, 100.0, 1000.0):
        for t in (0.0, 0.5 * np.pi, np.pi, 1.5 * np.pi, 0.3, 2.0, -1.2):  # both axes, both signs, oblique
            pts.append((r * np.sin(phi + t), r * np.cos(phi + t)))
    return np.array(pts)


@pytest.mark.parametrize("e", ELLIPTICITIES)
@pytest.mark.parametrize("a, s", RADII)
def test_closed_forms_match_kk93_in_40_digits(e, a, s):
    params = {k: jnp.array([v]) for k, v in dict(y=CENTRE[0], x=CENTRE[1], ellipticity=e, angle_pos=ANGLE,
                                                 sigma=SIGMA, r_core=a, r_cut=s).items()}
    rel = _points()
    y, x = jnp.asarray(rel[:, 0] + CENTRE[0]), jnp.asarray(rel[:, 1] + CENTRE[1])
    d = dpie.dpie_deflections_yx(params, y, x)
    h = dpie.dpie_hessian(params, y, x)
    psi = dpie.dpie_potential(params, y, x)
    d, h, psi = (np.asarray(v).tolist() for v in (jnp.stack(d), jnp.stack(h), psi))  # floats for mpmath
    eps, phi = _eps(e), mp.radians(ANGLE)
    cos, sin = mp.cos(phi), mp.sin(phi)

    def alpha_sky(dy, dx):
        xp, yp = dx * cos + dy * sin, dy * cos - dx * sin
        ax, ay = _ref_deflection(eps, a, s, xp, yp)
        return ax * sin + ay * cos, ax * cos - ay * sin  # (α_y, α_x)

    def psi_sky(dy, dx):
        return _ref_potential(eps, a, s, dx * cos + dy * sin, dy * cos - dx * sin)

    psi0 = psi_sky(mp.mpf("1e-30"), mp.mpf(0))  # KK93's form is 0/0 at the centre; ours is 0 there
    worst = np.zeros(3)
    for i in range(len(rel)):
        dy, dx = mp.mpf(float(y[i])) - CENTRE[0], mp.mpf(float(x[i])) - CENTRE[1]  # the offsets the code sees
        ry, rx = alpha_sky(dy, dx)
        mag = mp.sqrt(ry**2 + rx**2)
        err_d = mp.sqrt((d[0][i] - ry) ** 2 + (d[1][i] - rx) ** 2) / mag if mag else abs(d[0][i]) + abs(d[1][i])
        hyy = mp.diff(lambda t, dx=dx: alpha_sky(t, dx)[0], dy)
        hxx = mp.diff(lambda t, dy=dy: alpha_sky(dy, t)[1], dx)
        hyx = mp.diff(lambda t, dy=dy: alpha_sky(dy, t)[0], dx)
        hnorm = abs(hyy) + abs(hxx) + abs(hyx)
        err_h = (abs(h[0][i] - hyy) + abs(h[2][i] - hxx) + abs(h[1][i] - hyx)) / hnorm
        ref_psi = psi_sky(dy, dx) - psi0 if dy or dx else mp.mpf(0)
        scale = max(abs(ref_psi), mag * mp.sqrt(dy**2 + dx**2))
        err_p = abs(psi[i] - ref_psi) / scale if scale else abs(psi[i])
        allowed = 1e-10 + 1e-13 * float(mp.sqrt(dy**2 + dx**2) / (s * (1 - eps) / (1 + eps)))
        worst = np.maximum(worst, np.array([float(err_d), float(err_h), float(err_p)]) / allowed)
    print(f"e={e} a={a} s={s}: worst error / tolerance: deflection {worst[0]:.2f}, Hessian {worst[1]:.2f}, "
          f"potential {worst[2]:.2f}")
    assert np.all(worst <= 1.0), worst


def test_coreless_term_is_the_singular_isothermal_limit():
    """``r_core = 0`` (Lenstool fits use it, e.g. A2744's galaxy-scale haloes): finite deflection and potential
    everywhere (0 at the centre), ∇ψ = α, and the limit of a vanishing core."""
    import jax

    base = dict(y=CENTRE[0], x=CENTRE[1], ellipticity=0.4, angle_pos=ANGLE, sigma=SIGMA, r_cut=40.0)
    coreless = {k: jnp.array([v]) for k, v in dict(base, r_core=0.0).items()}
    tiny = {k: jnp.array([v]) for k, v in dict(base, r_core=1e-16).items()}
    rel = _points()
    y, x = jnp.asarray(rel[:, 0] + CENTRE[0]), jnp.asarray(rel[:, 1] + CENTRE[1])
    for f in (dpie.dpie_deflections_yx, dpie.dpie_potential):
        ours, limit = np.asarray(jnp.stack(f(coreless, y, x))), np.asarray(jnp.stack(f(tiny, y, x)))
        assert np.all(np.isfinite(ours))
        np.testing.assert_allclose(ours, limit, rtol=1e-9, atol=1e-10)
    assert float(dpie.dpie_potential(coreless, y[:1], x[:1])[0]) == 0.0
    grad = jax.vmap(jax.grad(lambda yy, xx: dpie.dpie_potential(coreless, yy[None], xx[None])[0], (0, 1)))
    gy, gx = grad(y[8:], x[8:])  # away from the centre
    d = dpie.dpie_deflections_yx(coreless, y[8:], x[8:])
    np.testing.assert_allclose(np.stack([gy, gx]), np.stack([d.y, d.x]), rtol=1e-9, atol=1e-12)
    round_ = {k: v for k, v in coreless.items() if k not in ("ellipticity", "angle_pos")}
    psi = dpie.dpie_sph_potential(round_, y, x)  # c ln(c + w) at c = 0 was 0 × (−∞) = NaN
    assert np.all(np.isfinite(psi)) and float(psi[0]) == 0.0
