"""``potentiel`` and ``limit`` blocks → mass rows and priors (Lenstool ``r_potentiel.c``, ``r_limit.c``,
``set_lens.c``). Keywords arrive canonical (:func:`.context.checked_block`).

- profil 81 → ``dPIEMass`` (``dPIEMassSph`` without ``ellipticite``/``angle_pos``/``ellip_pot`` lines);
  profil 12 → ``NFWSph`` or ``NFWEllipticalPotential`` (:mod:`.nfw`); profil 14 → ``ExternalShear`` (+ ``MassSheet`` from ``kappa``, :func:`potential_rows`); no ``profil`` line → Lenstool's default profil 0, the singular
  isothermal sphere → ``IsothermalSph`` (also profil 1 with ellipticity 0). Other profiles are refused.
- Lenstool's defaults where a line is absent: centre (0, 0), ellipticity 0, angle 0, core 0, cut
  infinite (refused for profil 81: a dPIE needs a finite cut); ``z_lens`` and ``v_disp`` have none.
- ``*_kpc`` values win over arcsec ones (``set_lens``); ``ellip_pot`` e_p gives e = 2e_p/(1 + e_p²) (profil 12: ε = 3 e_p, :mod:`.nfw`).
- the k-th ``limit`` block applies to the k-th potential (after a potfile, to the first potential after
  its members), as Lenstool attaches them; limits beyond ``nlens_opt`` are ignored.
"""

from __future__ import annotations

from dataclasses import replace

from ...tables import PriorRow, ProfileRow, Source
from ...tables.core_inside_cut import GAUSSIAN_REACH
from .catalogue import radec_to_xy
from .context import Ctx
from .nfw import nfw_row
from .par import LenstoolError, ParBlock, ParLine
from .units import shear_from_lenstool, sis_einstein_radius

__all__ = ["potential_row", "potential_rows", "sheet_attr", "limit_priors", "lenstool_prior", "DPIE_COLUMNS", "check_ellipticity_limits",
           "cut_outside_core", "cut_above", "CUT_MARGIN"]

DPIE_COLUMNS = {"x_centre": "x", "y_centre": "y", "ellipticite": "ellipticity", "angle_pos": "angle_pos",
                "v_disp": "sigma", "core_radius": "r_core", "core_radius_kpc": "r_core",
                "cut_radius": "r_cut", "cut_radius_kpc": "r_cut"}


def lenstool_prior(ln: ParLine, file, galaxy: str, attr: str, column: str,
                   scale: float = 1.0) -> PriorRow | None:
    """A limit line (``flag v1 v2 [step]``) as a prior: 0 fixed, 1 Uniform(v1, v2), 3 Gaussian(v1, v2)."""
    flag = ln.flag(file)
    if flag == 0:
        return None
    v1, v2 = ln.number(1, file, "first value") * scale, ln.number(2, file, "second value") * scale
    src = Source(file.name, ln.line)
    if flag == 1:
        if not v1 < v2:
            raise LenstoolError(file, ln.line, f"{ln.key}: uniform limits need min < max "
                                f"(got {v1:g}, {v2:g})", "write 'key 1 min max step'")
        return PriorRow(galaxy, attr, column, "Uniform", v1, v2, source=src)
    if flag == 3:
        if not v2 > 0:
            raise LenstoolError(file, ln.line, f"{ln.key}: Gaussian width must be > 0 (got {v2:g})",
                                "write 'key 3 mean sigma step'")
        return PriorRow(galaxy, attr, column, "Gaussian", mean=v1, sigma=v2, source=src)
    raise LenstoolError(file, ln.line, f"{ln.key}: limit flag {flag} is not supported",
                        "use 0 (fixed), 1 (uniform min max) or 3 (Gaussian mean sigma)")


def _name(b: ParBlock, index: int) -> tuple[str, str]:
    nid = b.get("nid")
    words = b.label.split()
    tok = nid.args[0] if nid is not None and nid.args else (words[0] if words else f"O{index + 1}")
    galaxy, _, attr = tok.partition(":")
    return galaxy, attr


def _value(b: ParBlock, key: str, file, default: float | None = None) -> float | None:
    ln = b.get(key)
    return default if ln is None else ln.number(0, file, key)


def potential_row(b: ParBlock, index: int, ctx: Ctx) -> ProfileRow:
    """One ``potentiel`` block as a mass row (see the module docstring)."""
    file = ctx.path
    prof = b.get("profil")
    if prof is None:
        kind = 0.0
        ctx.note(f"{file.name}:{b.line}: potentiel {b.label!r} has no profil line: Lenstool's default "
                 "profil 0 (singular isothermal sphere) → IsothermalSph")
    else:
        kind = prof.number(0, file, "profil")
    z = _value(b, "z_lens", file)
    if z is None or z <= 0:
        raise LenstoolError(file, b.line if z is None else b.get("z_lens").line,
                            f"potentiel {b.label!r} has no lens redshift" if z is None else
                            f"potentiel {b.label!r}: z_lens must be > 0 (got {z:g})",
                            "write the lens redshift: 'z_lens 0.3' (Lenstool has no default)")
    galaxy, attr = _name(b, index)
    src = Source(file.name, b.line)
    e_line = b.get("ellipticite")
    e = _value(b, "ellipticite", file, 0.0)
    if e == 0.0 and b.get("ellip_pot") is not None:
        ep = _value(b, "ellip_pot", file)
        e = 2.0 * ep / (1.0 + ep * ep)
        e_line = b.get("ellip_pot")
    if abs(e) >= 1.0:
        raise LenstoolError(file, e_line.line, f"potentiel {b.label!r}: ellipticity {e:g} is not "
                            "below 1", "write (a² − b²)/(a² + b²) of the mass, 0 ≤ e < 1")
    sig_ln = b.get("v_disp")
    if sig_ln is not None and sig_ln.number(0, file, "v_disp") < 0:
        raise LenstoolError(file, sig_ln.line, f"potentiel {b.label!r}: v_disp "
                            f"{sig_ln.args[0]} is negative", "write the velocity dispersion in km/s, ≥ 0")
    kap = b.get("kappa")
    if kind != 14 and kap is not None and kap.number(0, file, "kappa") != 0:
        raise LenstoolError(file, kap.line, f"potentiel {b.label!r}: kappa {kap.args[0]} on a profil "
                            f"{kind:g} block: Lenstool documents kappa only for the external shear and "
                            "convergence potential (profil 14)", "move the convergence to a profil 14 "
                            "block, or write 'kappa 0'")
    if kind == 14:
        g1, g2 = shear_from_lenstool(e, _value(b, "angle_pos", file, 0.0))
        return ProfileRow("mass", galaxy, attr or "shear", "ExternalShear", {"gamma_1": g1, "gamma_2": g2},
                          z, src)
    x, y = _centre(b, ctx)
    if kind == 12:
        return nfw_row(b, galaxy, attr, z, x, y, ctx)
    if sig_ln is None:
        raise LenstoolError(file, b.line, f"potentiel {b.label!r} has no v_disp",
                            "write 'v_disp <km/s>' (Lenstool has no default)")
    sigma = sig_ln.number(0, file, "v_disp")
    if kind in (0, 1):
        if kind == 1 and e != 0:
            raise LenstoolError(file, prof.line, f"potentiel {b.label!r}: profil 1 with ellipticity "
                                f"{e:g} (Lenstool's pseudo-elliptical SIS) is not supported",
                                "use profil 81 (dPIE) or set the ellipticity to 0")
        if kind == 0 and (e != 0 or b.get("angle_pos") is not None):
            ctx.note(f"{file.name}:{b.line}: profil 0 is circular: Lenstool sets its ellipticity and "
                     "angle to 0")
        return ProfileRow("mass", galaxy, attr or "mass", "IsothermalSph",
                          {"y": y, "x": x, "einstein_radius": sis_einstein_radius(sigma)}, z, src)
    if kind != 81:
        raise LenstoolError(file, prof.line, f"potentiel {b.label!r}: profil {kind:g} is not "
                            "supported", "clusterfit imports profil 81 (dPIE), 12 (NFW), 14 (shear) "
                            "and 0 (SIS); "
                            "convert other profiles by hand")
    vals: dict[str, float] = {"y": y, "x": x, "sigma": sigma}
    scale = ctx.scale(z)
    for col, arc, kpc in (("r_core", "core_radius", "core_radius_kpc"),
                          ("r_cut", "cut_radius", "cut_radius_kpc")):
        v_kpc, v_arc = _value(b, kpc, file), _value(b, arc, file)
        if v_kpc is not None and v_kpc != 0:
            vals[col] = v_kpc / scale
        elif v_arc is not None:
            vals[col] = v_arc
        elif col == "r_core":
            vals[col] = 0.0
        else:
            raise LenstoolError(file, b.line, f"potentiel {b.label!r} has no cut radius (Lenstool's "
                                "default is infinite, which a dPIE cannot have)",
                                "write cut_radius (arcsec) or cut_radius_kpc")
        if vals[col] < 0:
            raise LenstoolError(file, b.get(kpc, arc).line, f"potentiel {b.label!r}: {col} is negative",
                                "write a radius ≥ 0")
    spherical = all(b.get(k) is None for k in ("ellipticite", "angle_pos", "ellip_pot"))
    if not spherical:
        vals["ellipticity"], vals["angle_pos"] = e, _value(b, "angle_pos", file, 0.0)
        if e < 0:
            ctx.note(f"{file.name}:{b.line}: negative ellipticity of {galaxy!r} made positive, "
                     "angle_pos + 90")
            vals["ellipticity"], vals["angle_pos"] = -e, vals["angle_pos"] + 90
    order = ("y", "x", "ellipticity", "angle_pos", "sigma", "r_core", "r_cut")
    return ProfileRow("mass", galaxy, attr or "mass", "dPIEMassSph" if spherical else "dPIEMass",
                      {c: vals[c] for c in order if c in vals}, z, src)


def sheet_attr(shear_attr: str | None) -> str:
    """``attr_name`` of the ``MassSheet`` row made from a profil 14 block's ``kappa`` (``sheet`` beside the
    default ``shear``, else ``<attr>_sheet``; a block without a shear row: its own attr, or ``sheet``)."""
    return "sheet" if shear_attr in (None, "", "shear") else f"{shear_attr}_sheet"


def potential_rows(b: ParBlock, index: int, ctx: Ctx) -> tuple[ProfileRow, ...]:
    """One ``potentiel`` block as its mass rows: :func:`potential_row`, and for a profil 14 block with
    ``kappa`` κ ≠ 0 a ``MassSheet`` (κ, centred on the block's centre) in the same galaxy.

    Lenstool's documentation of profil 14 ("external shear and convergence": ``gamma``, ``angle_pos``,
    ``kappa``, "the strength of the external convergence, constant over the field of view";
    lenstool_idPIE_tutorial docs/sphinx/source/potentials/ExternalShear.md) makes κ a constant-field term of
    the same potential as γ, so it is read at γ's normalisation (D_ls/D_s = 1, scaled per source; the
    import brings both to the last plane, :func:`.units.scale_to_last_plane`). Lenstool v6 ignores the
    keyword. The shear row is left out when κ ≠ 0 and the block has no gamma line."""
    row = potential_row(b, index, ctx)
    kap = b.get("kappa")
    if row.profile_class != "ExternalShear" or kap is None or kap.number(0, ctx.path, "kappa") == 0:
        return (row,)
    k = kap.number(0, ctx.path, "kappa")
    if not -1.0 < k < 1.0:
        raise LenstoolError(ctx.path, kap.line, f"potentiel {b.label!r}: kappa {k:g} is not between "
                            "-1 and 1", "write the external convergence, |kappa| < 1")
    x, y = _centre(b, ctx)
    has_shear = b.get("ellipticite") is not None or b.get("ellip_pot") is not None
    _, attr = _name(b, index)
    ctx.note(f"{ctx.path.name}:{kap.line}: kappa {k:g} of {row.galaxy!r} → MassSheet at the shear's "
             "normalisation (Lenstool's profil 14 documentation: external shear and convergence; "
             "Lenstool v6 ignores it)")
    sheet = ProfileRow("mass", row.galaxy, sheet_attr(attr) if has_shear else (attr or "sheet"), "MassSheet",
                       {"y": y, "x": x, "kappa": k}, row.redshift, Source(ctx.path.name, kap.line))
    return (row, sheet) if has_shear else (sheet,)


def _centre(b: ParBlock, ctx: Ctx) -> tuple[float, float]:
    """(x, y) arcsec: ``x_centre``/``y_centre``, or ``*_wcs`` in degrees about the runmode reference."""
    file = ctx.path
    x, y = _value(b, "x_centre", file, 0.0), _value(b, "y_centre", file, 0.0)
    wx, wy = b.get("x_centre_wcs"), b.get("y_centre_wcs")
    if wx is not None or wy is not None:
        if ctx.ref is None:
            raise LenstoolError(file, (wx or wy).line, "x_centre_wcs/y_centre_wcs need the runmode "
                                "reference", "add 'reference 3 RA0 DEC0' to the runmode block")
        ra0, dec0 = ctx.ref
        if wx is not None:
            x = radec_to_xy(wx.number(0, file), dec0, ra0, dec0)[0]
        if wy is not None:
            y = (wy.number(0, file) - dec0) * 3600.0
    return x, y


def limit_priors(b: ParBlock, row: ProfileRow, ctx: Ctx) -> list[PriorRow]:
    """A ``limit`` block applied to ``row``."""
    file = ctx.path
    out: list[PriorRow] = []
    if row.profile_class == "ExternalShear":
        g = b.get("ellipticite")
        if g is not None and g.flag(file) != 0:
            gmax = max(abs(g.number(1, file)), abs(g.number(2, file)))
            if g.flag(file) == 3:
                gmax = abs(g.number(1, file)) + 3 * abs(g.number(2, file))
            ctx.note(f"{file.name}:{b.line}: shear limits (gamma, angle_pos) approximated by "
                     f"gamma_1, gamma_2 ~ Uniform(−{gmax:g}, {gmax:g})")
            for c in ("gamma_1", "gamma_2"):
                out.append(PriorRow(row.galaxy, row.attr_name, c, "Uniform", -gmax, gmax,
                                    source=Source(file.name, g.line)))
        for ln in b.lines:
            if ln.key not in ("ellipticite", "angle_pos") and ln.flag(file) != 0:
                raise LenstoolError(file, ln.line, f"limit keyword {ln.key!r} is not supported for "
                                    "an external shear", "limit gamma and angle_pos only")
        return out
    scale = ctx.scale(row.redshift)
    for ln in b.lines:
        col = DPIE_COLUMNS.get(ln.key) if row.profile_class.startswith("dPIE") else None
        if ln.flag(file) == 0:
            continue
        if col is None:
            raise LenstoolError(file, ln.line, f"limit on {ln.key!r} is not supported for "
                                f"{row.profile_class}", "dPIE limits take x_centre, y_centre, ellipticite, "
                                "angle_pos, core_radius(_kpc), cut_radius(_kpc), v_disp; fix the others")
        if col not in row.values:
            raise LenstoolError(file, ln.line, f"limit on {ln.key!r} but {row.galaxy!r} is "
                                f"{row.profile_class}", "add ellipticite and angle_pos to the "
                                "potentiel block to make it elliptical")
        p = lenstool_prior(ln, file, row.galaxy, row.attr_name, col,
                           1.0 / scale if ln.key.endswith("_kpc") else 1.0)
        if p is not None:
            out.append(p)
    return out


def check_ellipticity_limits(priors: list[PriorRow], file) -> None:
    """Ellipticity priors must stay below 1 (a mass ellipticity ≥ 1 is not a profile)."""
    for p in priors:
        if p.parameter == "ellipticity" and p.prior == "Uniform" and not (p.upper < 1 + 1e-12):
            raise LenstoolError(file, p.source.line, f"ellipticity limit up to {p.upper:g} (≥ 1)",
                                "limit the ellipticity below 1")


CUT_MARGIN = 1e-3
"""How far inside its limit a cut radius is kept from the core (a fraction of the room left): the dPIE's
normalisation r_cut/(r_cut − r_core) is 0/0 at r_cut = r_core, and still accurate to ~1e-13 this far away."""


def cut_outside_core(row: ProfileRow, priors: list[PriorRow], ctx: Ctx, line: int) -> list[PriorRow]:
    """``priors`` with a dPIE's cut-radius limit that reaches its core radius (the fixed value, or the core
    limit's upper end) moved above it, with a note: a Uniform's lower end, a Gaussian's truncation, at
    r_core + :data:`CUT_MARGIN` × (the limit's reach − r_core), the reach being a Uniform's upper end or a
    Gaussian's mean + 10σ (:data:`clusterfit.tables.core_inside_cut.GAUSSIAN_REACH`). Lenstool evaluates such a model
    as it stands (A2744's O7: ``cut_radius_kpc 1 0.0 150`` with a 0.146 kpc core); a table with r_cut ≤
    r_core is not a dPIE (clusterfit refuses it, :mod:`clusterfit.tables.checks`), so a fit must not go there."""
    if not row.profile_class.startswith("dPIE"):
        return priors
    by = {p.parameter: p for p in priors}
    core, cut = by.get("r_core"), by.get("r_cut")
    if cut is None:
        return priors
    top = core.upper if core is not None and core.prior == "Uniform" else row.values.get("r_core")
    if core is not None and core.prior == "Gaussian":
        top = core.mean + GAUSSIAN_REACH * core.sigma
    if top is None:
        return priors
    new = cut_above(cut, top, f"{row.galaxy}.r_cut", ctx, line)
    return [new if p is cut else p for p in priors]


def cut_above(cut: PriorRow, top: float, what: str, ctx: Ctx, line: int) -> PriorRow:
    """A Uniform or Gaussian cut-radius prior ``cut`` whose values can reach ``top`` (the largest core
    radius they must stay above) with its lower end raised as :func:`cut_outside_core` says (noted);
    unchanged when it does not reach (a Gaussian without a lower end reaches its mean − 10σ); a
    LenstoolError when not even its upper end (a Gaussian's mean) is above. ``what`` names the parameter."""
    if cut.prior not in ("Uniform", "Gaussian"):
        return cut
    gaussian = cut.prior == "Gaussian"
    lowest = cut.lower if cut.lower is not None else cut.mean - GAUSSIAN_REACH * cut.sigma if gaussian else 0.0
    if lowest > top:
        return cut
    reach = cut.mean + GAUSSIAN_REACH * cut.sigma if gaussian else cut.upper
    if (cut.mean if gaussian else cut.upper) <= top:
        raise LenstoolError(ctx.path, cut.source.line, f"the cut-radius limit of {what} ({cut.describe()}″) "
                            f"does not reach above the core radius ({top:g}″)",
                            "a dPIE needs cut_radius > core_radius: raise the cut-radius limit")
    lower = top + CUT_MARGIN * (reach - top)
    ctx.note(f"{ctx.path.name}:{line}: {what} limit {cut.describe()}″ reaches the core radius "
             f"({top:g}″); its lower end is raised to {lower:.4g}″ (a dPIE needs r_cut > r_core)")
    return replace(cut, lower=lower)


def start_inside(row: ProfileRow, priors: list[PriorRow], ctx: Ctx, line: int) -> ProfileRow:
    """``row`` with each value that its uniform limit excludes moved to the nearest limit (a turn of
    180° for an angle). Lenstool draws a limited parameter from its limit and ignores the value; here the
    value is the start of a fit and the truth of simulate, so it must lie inside the prior."""
    from ...tables.domains import parameter_domain, wrap_into

    values = dict(row.values)
    for p in priors:
        v = values.get(p.parameter)
        if p.prior != "Uniform" or v is None:
            continue
        domain, _ = parameter_domain(row.family, row.profile_class, p.parameter)
        if wrap_into(v, domain, p.lower, p.upper) is None:
            values[p.parameter] = min(max(v, p.lower), p.upper)
            ctx.note(f"{ctx.path.name}:{line}: {row.galaxy}.{p.parameter} = {v:g} is outside its limit "
                     f"[{p.lower:g}, {p.upper:g}]; it starts at {values[p.parameter]:g} (Lenstool ignores "
                     "the value of a limited parameter)")
    return row if values == row.values else replace(row, values=values)
