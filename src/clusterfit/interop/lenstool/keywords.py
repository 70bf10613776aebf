"""Lenstool's keyword set, block by block, as its own C reader has it.

Source: the Lenstool reader in the public Lenstool-HPC repository (``ChiBenchmark/lenstoolchi/src/``):
``init_grille.c`` (block names), ``r_runmode.c``, ``r_image.c``, ``r_grille.c``, ``r_source.c``,
``r_potentiel.c``, ``r_limit.c``, ``r_potfile.c``, ``r_cosmologie.c``; defaults from ``set_default.c``
and the readers' initialisations. Each table maps every accepted spelling (French, English, aliases)
to one canonical key. A key in ``USED`` changes what clusterfit imports; any other known key is accepted
and listed once in the import notes. Lenstool compares keywords with ``strcmp`` (case-sensitive);
clusterfit matches them case-insensitively.

Lenstool ignores a keyword it does not know; clusterfit does the same with a note, unless the word is a
near miss of a known keyword (a likely typo that would silently change the model): that is an error
with a did-you-mean.
"""

from __future__ import annotations

import difflib

__all__ = ["BLOCK_KEYS", "USED", "PREFIX_KEYS", "canonical_key", "near_keys", "block_name",
           "BLOCK_NAMES", "SKIPPED_BLOCKS", "near_blocks"]

# --- block names (init_grille.c; `field` and `finish` are the English spellings of champ and fini) ---
_EXACT_BLOCKS = {"runmode": "runmode", "cleanlens": "cleanlens", "source": "source",
                 "shapemodel": "shapemodel", "shapelimit": "shapelimit", "cline": "cline",
                 "champ": "champ", "field": "champ", "vfield": "vfield",
                 "vfieldlimit": "vfieldlimit", "cosmolimit": "cosmolimit", "fini": "fini",
                 "finish": "fini", "end": "end"}
_PREFIX_BLOCKS = (("image", "image"), ("grille", "grille"), ("grid", "grille"), ("potent", "potentiel"),
                  ("limit", "limit"), ("potfile", "potfile"), ("multi", "multiscale"),
                  ("dynfile", "dynfile"), ("grande", "grande"), ("observ", "observ"),
                  ("cosmolog", "cosmologie"))
BLOCK_NAMES = tuple(sorted(set(_EXACT_BLOCKS) | {p for p, _ in _PREFIX_BLOCKS} | {"potentiel", "potential",
                                                                                  "cosmologie", "cosmology"}))
SKIPPED_BLOCKS = ("cline", "grande", "champ", "observ", "cleanlens", "shapemodel", "shapelimit",
                  "dynfile", "vfield", "vfieldlimit")
"""Blocks about maps, outputs, extended sources or dynamics: no effect on the mass model or the
point-image constraints; skipped with one note each."""


def block_name(word: str) -> str | None:
    """Canonical block name of a header word, as Lenstool's ``init_grille`` matches it (None: not one)."""
    w = word.lower()
    if w in _EXACT_BLOCKS:
        return _EXACT_BLOCKS[w]
    for prefix, name in _PREFIX_BLOCKS:
        if w.startswith(prefix):
            return name
    return None


def near_blocks(word: str) -> list[str]:
    return difflib.get_close_matches(word.lower(), BLOCK_NAMES, n=2, cutoff=0.6)


# --- keywords: canonical key -> every spelling ------------------------------------------------------
def _table(*groups: tuple[str, ...]) -> dict[str, str]:
    return {spelling.lower(): group[0] for group in groups for spelling in group}


BLOCK_KEYS: dict[str, dict[str, str]] = {
    "runmode": _table(  # r_runmode.c
        ("reference",), ("source",), ("image", "arclet"), ("sourceof",), ("corshear",), ("local",),
        ("study",), ("fake",), ("meanz",), ("verbose",), ("imseeing",), ("grille",), ("sort",),
        ("inverse",), ("minchi0",), ("shearfield",), ("amplifield",), ("shear",), ("poten",),
        ("mass",), ("dpl",), ("curv",), ("ampli",), ("time",), ("prop",), ("propradius",),
        ("pixel",), ("cube",), ("marker",), ("radialprop", "profil"), ("chi2",)),
    "image": _table(  # r_image.c
        ("multfile",), ("sigposarcsec",), ("sigpos",), ("z_m_limit",), ("forme",), ("mult_wcs",),
        ("arcletstat",), ("sigell",), ("shearmap",), ("z_arclet",), ("sourcefit",), ("sigamp",),
        ("dmag",), ("n_montecarlo",), ("optmc",), ("iterations",), ("tosses_sq",), ("squares_par",),
        ("z_opt",), ("z_a_limit",), ("critic",), ("adjust",), ("nfilt",), ("npixseeing",),
        ("seeing",)),
    "grille": _table(  # r_grille.c
        ("nlentille", "nlens"), ("nlens_opt",), ("nombre", "number"), ("polaire", "polar"),
        ("nlens_crit",), ("sp_exc",), ("echant",), ("spline",), ("nmsgrid",),
        ("sigposas",)),  # o_print_res.c writes the optimised σ² of each image in best.par's grille
    "source": _table(  # r_source.c
        ("z_source",), ("grid",), ("random",), ("n_source",), ("elip_max",), ("lf_alpha",),
        ("lf_m_star",), ("lf_m_min",), ("lf_m_max",), ("dist_z",), ("smail",), ("taille", "size")),
    "potentiel": _table(  # r_potentiel.c
        ("profil", "profile"), ("nid",), ("x_centre",), ("y_centre",), ("x_centre_wcs",),
        ("y_centre_wcs",), ("pmass",), ("ellip_pot",), ("ellipticite", "ellipticity", "gamma"),
        ("angle_pos",), ("phi",), ("core_radius", "scale_radius", "re"),
        ("core_radius_kpc", "scale_radius_kpc", "re_kpc"), ("cut_radius", "virial_radius", "r200"),
        ("cut_radius_kpc", "virial_radius_kpc", "r200_kpc"), ("v_disp", "sigma_e"),
        ("exponent", "alpha", "exposant", "n"), ("beta", "concentration", "c"), ("rc_slope",),
        ("z_lens",), ("mag",), ("masse", "m200", "mass", "virial_mass"), ("rhos",),
        ("kappa",)),  # profil 14 external convergence: not in this reader; Lenstool's later docs define it
    "limit": _table(  # r_limit.c
        ("x_centre",), ("y_centre",), ("ellip_pot",), ("ellipticite", "ellipticity", "gamma"),
        ("angle_pos",), ("phi",), ("cut_radius", "virial_radius", "r200"),
        ("cut_radius_kpc", "virial_radius_kpc", "r200_kpc"),
        ("core_radius", "scale_radius", "eff_radius"),
        ("core_radius_kpc", "scale_radius_kpc", "eff_radius_kpc"), ("v_disp", "sigma_e"),
        ("pmass",), ("exponent", "alpha", "n"), ("beta", "concentration", "c"),
        ("masse", "virial_mass", "m200", "mass"), ("rhos",), ("z_lens",), ("rc_slope",)),
    "potfile": _table(  # r_potfile.c
        ("filein",), ("type",), ("zlens", "z_lens"), ("mag0", "r200"), ("select",), ("core",),
        ("corekpc",), ("cut",), ("cutkpc",), ("slope", "m200slope"), ("sigma",),
        ("vdslope", "c200slope"), ("vdscat",), ("rcutscat",), ("a", "m200"), ("b", "c200")),
    "cosmologie": _table(  # r_cosmologie.c
        ("model",), ("h0",), ("omegam", "omega"), ("omegax", "lambda"), ("wx", "q", "w0"),
        ("wa", "n", "delta", "w1"), ("omegak",)),
    # skipped blocks (maps and outputs): their keywords are only checked for words Lenstool ignores
    "champ": _table(("dmax",), ("xmin",), ("xmax",), ("ymin",), ("ymax",), ("lmin",), ("lmax",)),  # r_frame.c
    "cline": _table(("nplan",), ("zonemult",), ("dmax",), ("pas", "limitlow"), ("limithigh",),  # r_cline.c
                    ("algorithm",)),
    "grande": _table(("iso",), ("name",), ("profil",), ("contour",), ("vitesse",),  # r_large.c
                     ("large_dist",)),
}
PREFIX_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    # keywords Lenstool matches by their first letters (strncmp)
    "potentiel": (("mag", "mag"), ("virial", "masse")),
    "potfile": (("vdscat", "vdscat"), ("rcutscat", "rcutscat")),
    "cline": (("algo", "algorithm"),),
}
USED: dict[str, tuple[str, ...]] = {
    "runmode": ("reference", "source"),
    "image": ("multfile", "sigposarcsec", "sigpos", "z_m_limit"),
    "grille": ("nlentille", "nlens_opt", "sigposas"),
    "source": (),
    "potentiel": ("profil", "nid", "x_centre", "y_centre", "x_centre_wcs", "y_centre_wcs", "ellip_pot",
                  "ellipticite", "angle_pos", "core_radius", "core_radius_kpc", "cut_radius",
                  "cut_radius_kpc", "v_disp", "z_lens", "kappa", "beta", "masse", "exponent"),
    "limit": ("x_centre", "y_centre", "ellipticite", "angle_pos", "core_radius", "core_radius_kpc",
              "cut_radius", "cut_radius_kpc", "v_disp"),
    "potfile": ("filein", "type", "zlens", "mag0", "core", "corekpc", "cut", "cutkpc", "slope", "sigma",
                "vdslope", "vdscat", "rcutscat", "select"),
    "cosmologie": ("model", "h0", "omegam", "omegax", "wx", "wa", "omegak"),
}


def canonical_key(block: str, key: str) -> str | None:
    """The canonical keyword of ``key`` (lower case) in ``block``, or None if Lenstool does not know it."""
    table = BLOCK_KEYS.get(block, {})
    if key in table:
        return table[key]
    for prefix, canon in PREFIX_KEYS.get(block, ()):
        if key.startswith(prefix):
            return canon
    return None


def near_keys(block: str, key: str) -> list[str]:
    """Known keywords of ``block`` that ``key`` is probably a typo of (did-you-mean)."""
    return difflib.get_close_matches(key, list(BLOCK_KEYS.get(block, {})), n=2, cutoff=0.8)
