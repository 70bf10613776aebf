"""The keyword tables (clusterfit.interop.lenstool.keywords) against Lenstool's reader: block names as
init_grille.c matches them, synonyms as the r_*.c readers list them."""

import pytest

from clusterfit.interop.lenstool.keywords import BLOCK_KEYS, USED, block_name, canonical_key


@pytest.mark.parametrize("word, name", [
    ("runmode", "runmode"), ("images", "image"), ("grille", "grille"), ("grid", "grille"),
    ("potentiel", "potentiel"), ("potential", "potentiel"), ("potfile2", "potfile"), ("limit3", "limit"),
    ("cosmologie", "cosmologie"), ("cosmology", "cosmologie"), ("cosmolimit", "cosmolimit"),
    ("champ", "champ"), ("field", "champ"), ("fini", "fini"), ("finish", "fini"), ("grande", "grande"),
    ("observation", "observ"), ("multiscale", "multiscale"), ("lenses", None), ("runmodes", None),
])
def test_block_names_as_init_grille(word, name):
    assert block_name(word) == name


@pytest.mark.parametrize("block, word, canon", [
    ("grille", "number", "nombre"), ("grille", "nlens", "nlentille"),
    ("grille", "polar", "polaire"), ("potentiel", "profile", "profil"), ("potentiel", "gamma", "ellipticite"),
    ("potentiel", "ellipticity", "ellipticite"), ("potentiel", "r200_kpc", "cut_radius_kpc"),
    ("potentiel", "re", "core_radius"), ("potentiel", "sigma_e", "v_disp"), ("potentiel", "mag_r", "mag"),
    ("potentiel", "virial_mass", "masse"), ("limit", "eff_radius_kpc", "core_radius_kpc"),
    ("potfile", "r200", "mag0"), ("potfile", "m200slope", "slope"), ("potfile", "c200slope", "vdslope"),
    ("potfile", "vdscatter", "vdscat"), ("potfile", "z_lens", "zlens"), ("cosmologie", "lambda", "omegax"),
    ("cosmologie", "omega", "omegam"), ("cosmologie", "w1", "wa"), ("source", "size", "taille"),
    ("runmode", "arclet", "image"), ("potentiel", "kappa", "kappa"), ("potentiel", "kapa", None),
    ("potfile", "profil", None),
])
def test_synonyms_as_lenstool_readers(block, word, canon):
    assert canonical_key(block, word) == canon


def test_every_used_keyword_is_a_canonical_lenstool_keyword():
    for block, keys in USED.items():
        canon = set(BLOCK_KEYS[block].values())
        assert set(keys) <= canon, (block, set(keys) - canon)
