"""docs/csv_format.md documents every table, every column and every profile class.

The profile-class reference at the end of the page is generated from the registry by
:func:`profile_reference`; regenerate it after adding a class with::

    .venv/bin/python tests/test_docs.py --write
"""

import dataclasses
import re
import sys
from pathlib import Path

import pytest

from clusterfit.registry import (
    ANY,
    EXPONENT_DOMAIN,
    FAMILIES,
    MAG_DOMAIN,
    TABLE_COLUMNS,
    all_specs,
    specs_for_family,
)
from clusterfit.tables.cosmology import CosmologyRow
from clusterfit.tables.datasets import DATASET_COLUMNS
from clusterfit.tables.model import TABLE_FILES
from clusterfit.tables.priors import PRIOR_COLUMNS, PRIOR_KINDS
from clusterfit.tables.profiles import KEY_COLUMNS
from clusterfit.tables.rows import REDSHIFT
from clusterfit.tables.scaling import MEMBER_BASE, RELATION_KEYS, relation_columns

DOC = Path(__file__).resolve().parents[1] / "docs" / "csv_format.md"
BEGIN = "<!-- BEGIN GENERATED: profile classes (tests/test_docs.py --write) -->"
END = "<!-- END GENERATED: profile classes -->"


def tier_classes() -> list[str]:
    """Mass classes a scaling tier may use (those with a centre)."""
    return [s.name for s in specs_for_family("mass") if "centre" in s.parameter_names]


def profile_reference() -> str:
    """The Markdown of every profile class: parameters, CSV columns, units, defaults."""
    out = []
    for fam in FAMILIES:
        out.append(f"### {fam.capitalize()} profiles (`{fam}.csv`)\n")
        for s in specs_for_family(fam):
            out.append(f"#### `{s.name}`\n")
            ref = f" Reference: {s.reference}." if s.reference else ""
            out.append(f"{s.description[0].upper() + s.description[1:]}.{ref}\n")
            out.append("| parameter | CSV column(s) | unit | domain | default | description |")
            out.append("|---|---|---|---|---|---|")
            for p in s.parameters:
                cols = ", ".join(f"`{c}`" for c in p.columns)
                d = p.default
                default = f"({d[0]:g}, {d[1]:g})" if isinstance(d, tuple) else f"{d:g}"
                desc = p.description
                if p.scaling_exponent is not None:
                    desc += f"; scales with luminosity in a tier (default exponent {p.scaling_exponent:g})"
                domain = p.domain.describe("x") if p.domain != ANY else "any"
                out.append(f"| `{p.name}` | {cols} | {p.unit or '—'} | {domain} | {default} | {desc} |")
            out.append("")
            for c in s.constraints:
                out.append(f"Each row: {c.text}.\n")
            if s.name in tier_classes():
                cols = ", ".join(f"`{c}`" for c in relation_columns(s.name))
                out.append(f"As a scaling tier, `scaling_relations.csv` columns: {cols}.\n")
    out.append("### Domains of the other columns\n")
    out.append("| file | column | unit | domain |")
    out.append("|---|---|---|---|")
    for (column, file), c in TABLE_COLUMNS.items():
        out.append(f"| `{file}` | `{column}` | {c.unit or '—'} | {c.domain.describe('x')} |")
    out.append(f"| `scaling_relations.csv` | `<p>_exponent` | — | {EXPONENT_DOMAIN.describe('x')} |")
    out.append(f"| `scaling_relations.csv`, `scaling_galaxies.csv` | `mag_ref`, `mag` | mag | "
               f"{MAG_DOMAIN.describe('x')} |")
    return "\n".join(out).rstrip() + "\n"


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _documented(text: str) -> set[str]:
    """Every `code` span of the page."""
    return set(re.findall(r"`([^`\n]+)`", text))


def _expected_columns() -> dict[str, list[str]]:
    cosmology = [f.name for f in dataclasses.fields(CosmologyRow) if f.name != "source"]
    relation = list(RELATION_KEYS) + ["mag_ref", "redshift"]
    for cls in tier_classes():
        relation += [c for c in relation_columns(cls) if c not in relation]
    out = {
        "point_datasets.csv": list(DATASET_COLUMNS),
        "scaling_galaxies.csv": list(MEMBER_BASE) + ["redshift", "tier", "mag", "id"],
        "scaling_relations.csv": relation,
        "priors.csv": list(PRIOR_COLUMNS) + list(PRIOR_KINDS),
        "cosmology.csv": cosmology,
        "sky_reference.csv": ["ra", "dec", "projection"],
    }
    for fam in FAMILIES:
        cols = list(KEY_COLUMNS) + [REDSHIFT]
        for s in specs_for_family(fam):
            cols += [s.name] + [c for c in s.columns if c not in cols]
        out[f"{fam}.csv"] = cols
    return out


def test_every_table_has_a_section():
    text = _doc()
    for name in TABLE_FILES:
        assert re.search(rf"^##+ .*`{re.escape(name)}`", text, flags=re.M), \
            f"docs/csv_format.md has no heading for {name}"


@pytest.mark.parametrize("table", sorted(_expected_columns()))
def test_every_column_is_documented(table):
    documented = _documented(_doc())
    missing = [c for c in _expected_columns()[table] if c not in documented]
    assert not missing, (f"docs/csv_format.md does not mention {table} column(s) or class(es) "
                         f"{missing} (as `code`); document them")


def test_every_class_and_parameter_has_a_row_with_its_unit():
    text = _doc()
    for spec in all_specs():
        assert re.search(rf"^#### `{spec.name}`$", text, flags=re.M), f"no section for {spec.name}"
        section = text.split(f"#### `{spec.name}`", 1)[1].split("\n#### ", 1)[0]
        for p in spec.parameters:
            cols = ", ".join(f"`{c}`" for c in p.columns)
            assert f"| `{p.name}` | {cols} | {p.unit or '—'} |" in section, \
                f"{spec.name}.{p.name}: no row with its columns and unit ({p.unit!r})"


def test_generated_reference_is_current():
    text = _doc()
    assert BEGIN in text and END in text
    current = text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n") + "\n"
    assert current == profile_reference(), \
        "the profile reference is stale: run .venv/bin/python tests/test_docs.py --write"


def test_links_resolve():
    text = _doc()
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
        assert (DOC.parent / target).exists(), f"broken link {target}"


def _write() -> None:
    text = _doc()
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(f"{head}{BEGIN}\n\n{profile_reference()}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv:
        _write()
        print(f"wrote the profile reference into {DOC}")
    else:
        print(profile_reference())
