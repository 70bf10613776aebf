"""Tables → Lenstool ``.par``: :func:`export_lenstool` (with its catalogues beside it).

``import_lenstool(export_lenstool(m))`` gives back ``m``'s tables and its sky reference
(``sky_reference.csv`` ↔ ``runmode reference 3 RA0 DEC0``). Written in arcsec with ``repr`` precision.

Catalogue positions: a folder in the ``lenstool`` projection (as ``import-lenstool`` writes it) gets
absolute RA/Dec (``#REFERENCE 0``) from Lenstool's own formula (:func:`clusterfit.tables.sky.lenstool_sky`),
so a catalogue read by ``import-lenstool`` comes back with its RA/Dec; any other folder gets its offsets
as relative arcsec (``#REFERENCE 3 RA0 DEC0``), which Lenstool uses as they are (its sky positions of them
follow its flat formula: a note gives the largest shift from the folder's TAN sky positions).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...tables import ClusterModel, PriorRow, ScalingGalaxy, ScalingRelation
from ...tables.rows import REDSHIFT
from ...tables.sky import lenstool_sky, sky_from_offsets
from .context import log
from .nfw import nfw_lenstool_lines
from .par import LenstoolError
from .potentials import sheet_attr
from .units import scale_to_last_plane, shear_to_lenstool, sis_sigma

__all__ = ["export_lenstool"]


_LT_KEYS = {"x": "x_centre", "y": "y_centre", "ellipticity": "ellipticite", "angle_pos": "angle_pos",
            "sigma": "v_disp", "r_core": "core_radius", "r_cut": "cut_radius"}


def _fmt(v: float) -> str:
    return repr(float(v))


@dataclass(frozen=True)
class _Frame:
    """How catalogue positions are written: ``reference`` (RA0, DEC0) or None; ``absolute``: RA/Dec
    degrees by Lenstool's formula (``#REFERENCE 0``), else relative arcsec (``#REFERENCE 3``)."""

    reference: tuple[float, float] | None
    absolute: bool = False

    def header(self) -> list[str]:
        """A catalogue's first lines (none without a reference: x, y as written)."""
        if self.reference is None:
            return []
        if self.absolute:
            return ["#REFERENCE 0"]
        return [f"#REFERENCE 3 {_fmt(self.reference[0])} {_fmt(self.reference[1])}"]

    def position(self, x: float, y: float) -> str:
        """The ``x y`` columns of a row at folder offsets (y, x) arcsec."""
        if self.absolute and self.reference is not None:
            ra, dec = lenstool_sky(y, x, *self.reference)
            return f"{_fmt(ra)} {_fmt(dec)}"
        return f"{_fmt(x)} {_fmt(y)}"


def export_lenstool(model: ClusterModel, par_path: str | Path,
                    reference: tuple[float, float] | None = None,
                    notes: list[str] | None = None) -> Path:
    """Write ``model`` as a Lenstool ``.par`` file with its catalogues beside it; return its path.

    Files: ``<stem>.par``; ``<stem>_images.cat`` (point_datasets.csv); ``<stem>_sources.cat`` (Point
    centres, named by ``runmode source 1 file``: Lenstool lenses them, :func:`import_lenstool`
    reads them back); ``<stem>_<tier>.cat`` per scaling tier. Positions are relative arcsec about
    ``reference`` (RA0, DEC0 in degrees; default: the model's ``sky_reference``, else none: positions
    are then written as they are, with ``reference 0``), or absolute RA/Dec by Lenstool's formula when the
    model's ``sky_reference`` is in the ``lenstool`` projection and no ``reference`` is given (module
    docstring). Values are written with ``repr`` precision, so ``import_lenstool(export_lenstool(m))``
    gives back ``m``'s tables. Light profiles, LogUniform
    priors and Gaussian truncations have no Lenstool form: they are dropped or approximated, with a
    line in ``notes``; mass classes other than dPIEMass, dPIEMassSph, IsothermalSph, NFWSph (or a round NFW),
    NFWEllipticalPotential, ExternalShear and MassSheet are refused. A MassSheet is written as ``kappa`` on a
    profil 14 block (the shear's block of its galaxy when :func:`_sheet_pairs` pairs them), the convention of
    Lenstool's documentation of profil 14; Lenstool v6 (lenstoolchi) does not read ``kappa`` (later
    versions, whose documentation defines it, do), so such a file loses its sheet there.
    """
    sky = model.sky_reference
    absolute = reference is None and sky is not None and sky.projection == "lenstool"
    if reference is None and sky is not None:
        reference = (sky.ra, sky.dec)
    frame = _Frame(reference, absolute)
    notes = [] if notes is None else notes
    if sky is not None and sky.projection != "lenstool":
        _note_tan_shift(model, notes)
    model = scale_to_last_plane(model, to_reference=False)
    path = Path(par_path)
    stem = path.stem
    free = _free(model)
    if any(r.values.get("intensity") != 0.0 for r in model.light):  # not a plane holder (units.hold_last_plane)
        notes.append("light profiles are not written (Lenstool .par files have no light)")
    files: dict[str, str] = {}
    out = ["runmode", "\treference 0" if reference is None else
           f"\treference 3 {_fmt(reference[0])} {_fmt(reference[1])}"]
    if model.point:
        files[f"{stem}_sources.cat"] = _sources_cat(model, frame)
        out.append(f"\tsource 1 {stem}_sources.cat")
    out.append("\tend")
    out += _image_block(model, free, stem, frame, files, notes)
    pots = _mass_blocks(model, free, notes, path)
    n_opt = sum(1 for _, lim in pots if lim)
    tiers = _tier_blocks(model, free, stem, frame, files, notes, path)
    n_members = sum(len(model.tier_members(r.tier)) for r in model.scaling_relations)
    out += ["grille", "\tnombre 128", "\tpolaire 0", f"\tnlentille {len(pots) + n_members}",
            f"\tnlens_opt {n_opt}", "\tend"]
    for block, lim in pots:
        out += block + lim
    out += tiers
    c = model.cosmology
    out += ["cosmologie", "\tmodel 1", f"\tH0 {_fmt(c.H0)}", f"\tomegaM {_fmt(c.Om0)}",
            f"\tomegaX {_fmt(1.0 - c.Om0)}", "\tomegaK 0.", "\twX -1.0", "\twa 0.0", "\tend",
            "champ", "\txmin -100.0", "\txmax 100.0", "\tymin -100.0", "\tymax 100.0", "\tend",
            "fini"]
    files[path.name] = "\n".join(out) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (path.parent / name).write_text(text, encoding="utf-8")
    for n in notes:
        log.info(n)
    return path


def _note_tan_shift(model: ClusterModel, notes: list[str]) -> None:
    """For a folder whose sky positions are not Lenstool's: the largest separation (mas) between the
    folder's sky position of a catalogue row and the one Lenstool's flat formula gives its offsets."""
    from astropy.coordinates import SkyCoord

    sky = model.sky_reference
    pts = [(im.y, im.x) for im in model.point_images] + [(g.y, g.x) for g in model.scaling_galaxies]
    pts += [(r.values["y"], r.values["x"]) for r in model.point
            if r.values.get("y") is not None and r.values.get("x") is not None]
    if sky is None or not pts:
        return
    y, x = np.array(pts, float).T
    ours = SkyCoord(*sky_from_offsets(sky, y, x), unit="deg")
    theirs = SkyCoord(*lenstool_sky(y, x, sky.ra, sky.dec), unit="deg")
    shift = float(np.max(ours.separation(theirs).to_value("mas")))
    notes.append(f"sky_reference.csv is in the {sky.projection} projection: the catalogues keep the folder's "
                 "offsets (relative arcsec, so the model is unchanged), but Lenstool turns them into RA/Dec "
                 f"with its flat formula, up to {shift:.1f} mas from the folder's sky positions")


def _free(model: ClusterModel) -> dict[tuple[str, str, str, str], PriorRow]:
    """Free cells (wildcards and tuples expanded) → prior; source-redshift priors left aside."""
    from ...tables import CsvErrors
    from ...tables.free import resolve_free_parameters

    errors: list = []
    priors = [p for p in model.priors if p.attr_name != REDSHIFT]
    free = resolve_free_parameters(priors, list(model.profiles), list(model.scaling_relations),
                                   errors)
    if errors:
        raise CsvErrors(errors)
    return {(f.table, f.galaxy, f.attr_name, f.column): f.prior for f in free}


def _limit_line(key: str, prior: PriorRow, notes: list[str], what: str, scale: float = 1.0) -> str:
    if prior.prior in ("Uniform", "LogUniform"):
        if prior.prior == "LogUniform":
            notes.append(f"{what}: LogUniform({prior.lower:g}, {prior.upper:g}) written as uniform "
                         "(Lenstool has no log-uniform limit)")
        return f"\t{key} 1 {_fmt(prior.lower * scale)} {_fmt(prior.upper * scale)} 0.01"
    if prior.mean == "auto" or prior.mean is None:
        raise LenstoolError("<export>", None, f"{what}: a Gaussian prior with mean 'auto' has no "
                            "Lenstool form", "write a numeric mean")
    if prior.lower is not None or prior.upper is not None:
        notes.append(f"{what}: the truncation of its Gaussian prior is dropped")
    return f"\t{key} 3 {_fmt(prior.mean * scale)} {_fmt(prior.sigma * scale)} 0.01"


def _sheet_pairs(model: ClusterModel) -> dict[tuple[str, str], object]:
    """ExternalShear key → the MassSheet row written as ``kappa`` on its profil 14 block: same galaxy and
    redshift, ``attr_name`` as :func:`.potentials.sheet_attr` names it on import, centred on (0, 0) (the
    shear row has no centre, so the block keeps none)."""
    sheets = {(r.galaxy, r.attr_name, r.redshift): r for r in model.mass if r.profile_class == "MassSheet"
              and r.values.get("x") == 0 and r.values.get("y") == 0}
    return {r.key: sheets[(r.galaxy, sheet_attr(r.attr_name), r.redshift)] for r in model.mass
            if r.profile_class == "ExternalShear" and (r.galaxy, sheet_attr(r.attr_name), r.redshift) in sheets}


def _kappa_line(sheet, name: str, free: dict, path: Path) -> str:
    """``kappa κ`` of a MassSheet row (κ for D_ls/D_s = 1, as γ); a free κ has no limit here."""
    if any(k[:3] == ("mass", sheet.galaxy, sheet.attr_name) for k in free):
        raise LenstoolError(path, None, f"{name}: a free MassSheet has no Lenstool limit here",
                            "fix its kappa before exporting")
    return f"\tkappa {_fmt(sheet.values['kappa'])}"


def _mass_blocks(model: ClusterModel, free: dict, notes: list[str], path: Path):
    """One potentiel (+ limit) block per mass row (a MassSheet paired by :func:`_sheet_pairs` shares its
    shear's block); rows with limits first (nlens_opt counts them)."""
    pairs = _sheet_pairs(model)
    merged = {s.key for s in pairs.values()}
    count: dict[str, int] = {}
    for r in model.mass:
        if r.key not in merged:
            count[r.galaxy] = count.get(r.galaxy, 0) + 1
    blocks = []
    for r in model.mass:
        if r.key in merged:
            continue
        default_attr = {"ExternalShear": "shear", "MassSheet": "sheet"}.get(r.profile_class, "mass")
        name = r.galaxy if count[r.galaxy] == 1 and r.attr_name == default_attr \
            else f"{r.galaxy}:{r.attr_name}"
        if any(ch.isspace() for ch in name):
            raise LenstoolError(path, None, f"galaxy name {name!r} has spaces",
                                "rename it: Lenstool names are single words")
        lines = [f"potentiel {name}"]
        lim = []
        mine = {k[3]: p for k, p in free.items() if k[:3] == ("mass", r.galaxy, r.attr_name)}
        if r.profile_class == "ExternalShear":
            g, ang = shear_to_lenstool(r.values["gamma_1"], r.values["gamma_2"])
            lines += ["\tprofil 14", f"\tgamma {_fmt(g)}", f"\tangle_pos {_fmt(ang)}",
                      _kappa_line(pairs[r.key], name, free, path) if r.key in pairs else "\tkappa 0.0"]
            if mine:
                gmax = max(abs(v) for p in mine.values() for v in (p.lower or 0, p.upper or 0))
                notes.append(f"{name}: shear priors written as gamma 1 0 {gmax:g}, angle_pos 1 -90 90")
                lim = [f"limit {name}", f"\tgamma 1 0.0 {_fmt(gmax)} 0.01",
                       "\tangle_pos 1 -90.0 90.0 0.1", "\tend"]
        elif r.profile_class == "MassSheet":
            lines += ["\tprofil 14", f"\tx_centre {_fmt(r.values['x'])}", f"\ty_centre {_fmt(r.values['y'])}",
                      _kappa_line(r, name, free, path)]
        elif r.profile_class == "IsothermalSph":
            if mine:
                raise LenstoolError(path, None, f"{name}: a free IsothermalSph has no Lenstool limit "
                                    "(Lenstool's SIS is limited in v_disp)", "fix it before exporting")
            lines += ["\tprofil 0", f"\tx_centre {_fmt(r.values['x'])}", f"\ty_centre {_fmt(r.values['y'])}",
                      f"\tv_disp {_fmt(sis_sigma(r.values['einstein_radius']))}"]
        elif r.profile_class in ("NFWSph", "NFW", "NFWEllipticalPotential"):
            if mine:
                raise LenstoolError(path, None, f"{name}: a free NFW has no Lenstool limit here",
                                    "fix it before exporting")
            lines += nfw_lenstool_lines(r.values, name, path)
        elif r.profile_class in ("dPIEMass", "dPIEMassSph"):
            lines.append("\tprofil 81")
            for col in ("x", "y", "ellipticity", "angle_pos", "r_core", "r_cut", "sigma"):
                if col in r.values:
                    v = r.values[col]
                    if v is None:
                        raise LenstoolError(path, None, f"{name}.{col} has no value",
                                            "write a start value before exporting")
                    lines.append(f"\t{_LT_KEYS[col]} {_fmt(v)}")
            lim = [_limit_line(_LT_KEYS[c], p, notes, f"{name}.{c}") for c, p in mine.items()]
            lim = [f"limit {name}", *lim, "\tend"] if lim else []
        else:
            raise LenstoolError(path, None, f"{r.galaxy}.{r.attr_name}: {r.profile_class} has no "
                                "Lenstool export", "export supports dPIEMass, dPIEMassSph, "
                                "IsothermalSph, NFWSph, round NFW, NFWEllipticalPotential, ExternalShear, "
                                "MassSheet")
        lines += [f"\tz_lens {_fmt(r.redshift)}", "\tend"]
        blocks.append((lines, lim))
    return sorted(blocks, key=lambda b: not b[1])


def _tier_blocks(model: ClusterModel, free: dict, stem: str, frame: _Frame, files: dict,
                 notes: list[str], path: Path) -> list[str]:
    out: list[str] = []
    for rel in model.scaling_relations:
        v = rel.values
        for col, want in (("r_core_exponent", 0.5),):
            if v.get(col, want) != want:
                raise LenstoolError(path, None, f"tier {rel.tier!r}: {col} = {v.get(col)} but "
                                    f"Lenstool fixes it to {want}", "set r_core_exponent 0.5")
        members = model.tier_members(rel.tier)
        mag0, mags = _magnitudes(rel, members)
        fname = f"{stem}_{rel.tier}.cat"
        rows = frame.header()
        for i, (m, mag) in enumerate(zip(members, mags, strict=True)):
            e = m.extra.get("ellipticity", v.get("ellipticity", 0.0)) or 0.0
            ang = m.extra.get("angle_pos", v.get("angle_pos", 0.0)) or 0.0
            a = math.sqrt((1.0 + e) / (1.0 - e))
            mid = str(m.extra.get("id") or f"{rel.tier}_{i}").replace(" ", "_")
            rows.append(f"{mid} {frame.position(m.x, m.y)} {_fmt(a)} 1.0 {_fmt(ang)} {_fmt(mag)} "
                        f"{_fmt(m.extra.get('lum') or 0.0)}")
        files[fname] = "\n".join(rows) + "\n"
        key = ("scaling_relations", rel.tier, "scaling")
        lines = [f"potfile {rel.tier}", f"\tfilein {3 if frame.absolute else 1} {fname}",
                 f"\tzlens {_fmt(rel.redshift)}",
                 "\ttype 81", f"\tcore {_fmt(v['r_core_ref'])}", f"\tmag0 {_fmt(mag0)}"]
        for lt, col in (("sigma", "sigma_ref"), ("cut", "r_cut_ref")):
            p = free.get((*key, col))
            if p is None:
                lines.append(f"\t{lt} 0 {_fmt(v[col])} 0.0")
            else:
                text = _limit_line(lt, p, notes, f"{rel.tier}.{col}").rsplit(" ", 1)[0]
                lines.append(text + (f" {_fmt(v[col])}" if p.prior != "Gaussian" else ""))
        for k in free:
            if k[:3] == key and k[3] not in ("sigma_ref", "r_cut_ref"):
                notes.append(f"{rel.tier}.{k[3]}: Lenstool cannot free it; written fixed")
        lines += [f"\tslope 0 {_fmt(2.0 / v['r_cut_exponent'])} 0.0",
                  f"\tvdslope 0 {_fmt(1.0 / v['sigma_exponent'])} 0.0",
                  "\tvdscatter 0 0.0 0.0", "\trcutscatter 0 0.0 0.0", "\tend"]
        out += lines
    return out


def _magnitudes(rel: ScalingRelation, members: list[ScalingGalaxy]) -> tuple[float, list[float]]:
    """mag0 and member magnitudes with L/L_ref = 10^(0.4 (mag0 − mag)); keeps a ``mag`` column when
    it is consistent with the luminosities, else uses mag0 = 25."""
    lref = rel.luminosity_ref
    mags = [m.extra.get("mag") for m in members]
    if members and all(isinstance(g, float) for g in mags):
        m0s = [g + 2.5 * math.log10(m.luminosity / lref) for g, m in zip(mags, members, strict=True)]
        if max(m0s) - min(m0s) < 1e-6:
            return round(sum(m0s) / len(m0s), 9), mags  # type: ignore[return-value]
    return 25.0, [25.0 - 2.5 * math.log10(m.luminosity / lref) for m in members]


def _sources_cat(model: ClusterModel, frame: _Frame) -> str:
    rows = frame.header()
    for r in model.point:
        sid = r.attr_name[len("point_"):] if r.attr_name.startswith("point_") else r.attr_name
        rows.append(f"{sid} {frame.position(r.values['x'], r.values['y'])} 0.1 0.1 0.0 "
                    f"{_fmt(r.redshift)} 0.0")
    return "\n".join(rows) + "\n"


def _image_block(model: ClusterModel, free: dict, stem: str, frame: _Frame, files: dict,
                 notes: list[str]) -> list[str]:
    if not model.point_images:
        return []
    noises = sorted({im.positions_noise for im in model.point_images})
    noise = noises[len(noises) // 2]
    if len(noises) > 1:
        notes.append(f"positions_noise differs between images; sigposArcsec = {noise:g} for all")
    rows = frame.header()
    zlines = []
    for ds in model.point_datasets:
        sid = ds.name[len("point_"):] if ds.name.startswith("point_") else ds.name
        for k, im in enumerate(ds.images, start=1):
            rows.append(f"{sid}.{k} {frame.position(im.x, im.y)} 0.1 0.1 0.0 {_fmt(im.redshift or 0)} "
                        "0.0")
        zp = [p for p in model.priors if p.attr_name == REDSHIFT and p.galaxy == f"source_{sid}"]
        if zp:
            p = zp[-1]
            if p.prior == "Gaussian":
                zlines.append(f"\tz_m_limit 1 {sid} 3 {_fmt(p.mean)} {_fmt(p.sigma)} 0.01")
            else:
                zlines.append(f"\tz_m_limit 1 {sid} 1 {_fmt(p.lower)} {_fmt(p.upper)} 0.01")
    files[f"{stem}_images.cat"] = "\n".join(rows) + "\n"
    return ["image", f"\tmultfile 1 {stem}_images.cat", "\tmult_wcs 0", "\tforme -2",
            f"\tsigposArcsec {_fmt(noise)}", *zlines, "\tend"]
