"""The function table (clusterfit/physics/functions.py) and the registry name the same classes."""

import pytest

from clusterfit.physics.functions import PROFILE_FUNCTIONS, profile_function
from clusterfit.registry import specs_for_family

MASS_KEYS = {"deflections_yx", "convergence", "potential", "hessian"}


def test_every_mass_and_light_class_has_its_functions_and_no_other_class_has_any():
    mass = {s.name for s in specs_for_family("mass")}
    light = {s.name for s in specs_for_family("light")}
    assert set(PROFILE_FUNCTIONS) == mass | light
    for name in mass:
        assert set(PROFILE_FUNCTIONS[name]) == MASS_KEYS, name
    for name in light:
        assert set(PROFILE_FUNCTIONS[name]) == {"intensity"}, name


def test_the_table_cannot_be_changed_from_outside():
    with pytest.raises(TypeError):
        PROFILE_FUNCTIONS["Isothermal"]["potential"] = None
    with pytest.raises(TypeError):
        PROFILE_FUNCTIONS["NewClass"] = {}


def test_a_missing_function_is_named():
    with pytest.raises(KeyError, match="Point.*no physics functions"):
        profile_function("Point", "deflections_yx")
    with pytest.raises(KeyError, match="Sersic has no 'potential' function; it has intensity"):
        profile_function("Sersic", "potential")
    assert profile_function("Sersic", "intensity") is PROFILE_FUNCTIONS["Sersic"]["intensity"]
