"""Mutated valid folders (cells, rows, encodings) load cleanly or raise CsvErrors, never another
exception; and a folder that loads also composes (nothing validate could see fails later)."""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clusterfit import example_folder
from clusterfit.model.compose import compose
from clusterfit.tables import CsvErrors, load_model

FOLDERS = [example_folder(), Path(__file__).parents[1] / "data" / "bad" / "prior_parameter_wildcard"]
TABLES = ["mass.csv", "light.csv", "point.csv", "priors.csv", "scaling_galaxies.csv",
          "scaling_relations.csv", "point_datasets.csv"]

cells = st.one_of(
    st.sampled_from(["", "0", "-1", "1e300", "-1e-300", "nan", "inf", "1,5", "abc", "[/red]x", "lens_0",
                     "l\u0435ns_0", "Uniform", "Gaussian", "auto", "dPIEMass", "Point", "mass", "0.999999",
                     "1", "2", "20", "-600", "scaling", "members", "point_0", "r_*", "*", "\u00e9"]),
    st.floats(-1e4, 1e4).map(repr),
    st.text(max_size=6),
)


@st.composite
def mutations(draw):
    folder = draw(st.sampled_from(FOLDERS))
    present = [t for t in TABLES if (folder / t).exists()]
    steps = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["cell", "cell", "cell", "drop_row", "dup_row", "encoding", "truncate",
                                     "drop_file"]))
        steps.append((kind, draw(st.sampled_from(present)), draw(st.integers(0, 10 ** 6)), draw(cells)))
    return folder, steps


def _apply(folder: Path, kind: str, table: str, k: int, cell: str) -> None:
    path = folder / table
    if not path.exists():
        return
    if kind == "drop_file":
        path.unlink()
        return
    data = path.read_bytes()
    if kind == "truncate":
        path.write_bytes(data[: k % (len(data) + 1)])
        return
    if kind == "encoding":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return
        path.write_bytes((text.replace("0", "\u00e9", 1)).encode(["latin-1", "utf-16"][k % 2], "replace"))
        return
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return
    if not lines:
        return
    i = k % len(lines)
    if kind == "drop_row":
        del lines[i]
    elif kind == "dup_row":
        lines.insert(i, lines[i])
    else:
        row = lines[i].split(",")
        row[(k // 7) % len(row)] = cell.replace(",", "").replace("\n", "")
        lines[i] = ",".join(row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_mutated_folder_loads_or_raises_csv_errors(mutation):
    source, steps = mutation
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "m"
        shutil.copytree(source, folder)
        for step in steps:
            _apply(folder, *step)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                model = load_model(folder)
            except CsvErrors:
                return
        if model.mass or model.scaling_galaxies:  # a data-only folder is valid but has no model
            compose(model)  # validated tables compose: no ValueError or KeyError left for later
