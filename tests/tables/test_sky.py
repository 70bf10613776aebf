"""sky_reference.csv: one row ra,dec (degrees), loaded, saved and checked like cosmology.csv."""

from __future__ import annotations

import pytest

from clusterfit import example_folder
from clusterfit.tables import CsvErrors, SkyReference, load_model, save_model


def test_round_trip(tmp_path):
    model = load_model(example_folder()).replace(sky_reference=SkyReference(342.18322, -44.530889))
    save_model(model, tmp_path / "m")
    assert (tmp_path / "m" / "sky_reference.csv").read_text() == "ra,dec\n342.18322,-44.530889\n"
    back = load_model(tmp_path / "m")
    assert back.sky_reference == SkyReference(342.18322, -44.530889)
    save_model(back.replace(sky_reference=None), tmp_path / "m")
    assert not (tmp_path / "m" / "sky_reference.csv").exists()


@pytest.mark.parametrize("text, column, words", [
    ("ra,dec\n400,-44.5\n", "ra", "ra must be in [0, 360)"),
    ("ra,dec\n342.1,-95\n", "dec", "dec must be in (-90, 90)"),
    ("ra,decl\n342.1,-44.5\n", "decl", "did you mean 'dec'"),
    ("ra,dec\n342.1,-44.5\n10,10\n", None, "more than one row"),
])
def test_bad_rows(tmp_path, text, column, words):
    save_model(load_model(example_folder()), tmp_path / "m")
    (tmp_path / "m" / "sky_reference.csv").write_text(text)
    with pytest.raises(CsvErrors) as info:
        load_model(tmp_path / "m")
    errs = [e for e in info.value.errors if e.file.endswith("sky_reference.csv")]
    assert any(words in str(e) and e.column == column for e in errs), [str(e) for e in errs]
