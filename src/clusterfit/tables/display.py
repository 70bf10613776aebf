"""Printing: every table with rich, every loaded object with the CSV row it came from."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from .model import ClusterModel

__all__ = ["csv_table", "objects_table", "summary_text", "print_model"]


def csv_table(name: str, text: str) -> Table:
    """A rich table of a CSV file's text, with file line numbers in the first column."""
    rows = list(csv.reader(io.StringIO(text)))
    table = Table(title=name, title_justify="left", show_lines=False, header_style="bold cyan")
    table.add_column("line", style="dim", justify="right")
    for h in rows[0]:
        table.add_column(Text(h), justify="left", overflow="fold")
    for i, row in enumerate(rows[1:], start=2):
        table.add_row(str(i), *[Text(c) if c else "·" for c in row])  # Text: cells are never markup
    return table


def objects_table(model: ClusterModel) -> Table:
    """One line per loaded object, naming its source row: ``mass.csv:3  lens_0.mass  dPIEMass(...)``."""
    table = Table(title="loaded objects", title_justify="left", header_style="bold cyan")
    table.add_column("source", style="dim")
    table.add_column("object")
    table.add_column("value", overflow="fold")
    def add(*cells: str) -> None:  # user names are text, never rich markup ("[/red]lens_1")
        table.add_row(*(Text(c) for c in cells))

    for row in model.profiles:
        text = repr(row).rsplit("  [", 1)[0]
        add(str(row.source), f"{row.galaxy}.{row.attr_name}", text)
    for ds in model.point_datasets:
        add(str(ds.images[0].source), f"datasets[{ds.name!r}]", repr(ds).rsplit("  [", 1)[0])
    for rel in model.scaling_relations:
        n = len(model.tier_members(rel.tier))
        vals = ", ".join(f"{k}={v:g}" for k, v in rel.values.items() if v is not None)
        add(str(rel.source), f"tier {rel.tier}",
            f"{rel.profile_class} × {n} members, L_ref={rel.luminosity_ref:g}, {vals}")
    for fp in _free(model):
        add(str(fp.prior.source), f"free {fp.name}", fp.prior.describe())
    if model.cosmology.source.line is not None:
        add(str(model.cosmology.source), "cosmology",
            f"FlatLambdaCDM(H0={model.cosmology.H0:g}, Om0={model.cosmology.Om0:g})")
    return table


def _free(model: ClusterModel):
    try:
        return model.free_parameters
    except ValueError:
        return []


def summary_text(model: ClusterModel) -> str:
    """Galaxies, planes, counts of members and images, free parameters and their priors."""
    lines = []
    galaxies = model.galaxies
    planes = sorted({g.redshift for g in galaxies.values() if g.redshift is not None}
                    | {r.redshift for r in model.scaling_relations if r.redshift is not None})
    lines.append(f"ClusterModel from {model.folder or '<python>'}")
    lines.append(f"  galaxies: {len(galaxies)}  ({', '.join(galaxies)})")
    lines.append(f"  redshift planes: {len(planes)}  ({', '.join(f'{z:g}' for z in planes)})")
    for rel in model.scaling_relations:
        lines.append(f"  tier {rel.tier}: {len(model.tier_members(rel.tier))} members, "
                     f"{rel.profile_class} at z={rel.redshift}")
    ds = model.point_datasets
    lines.append(f"  point datasets: {len(ds)} sources, {len(model.point_images)} images")
    free = _free(model)
    lines.append(f"  free parameters: {len(free)}")
    for fp in free:
        lines.append(f"    {fp.name:<36} {fp.prior.describe():<28} [{fp.prior.source}]")
    lines.append(f"  cosmology: H0={model.cosmology.H0:g}, Om0={model.cosmology.Om0:g}")
    return "\n".join(lines)


def print_model(model: ClusterModel, console: Console | None = None) -> None:
    """Print every table of the model's folder, then the loaded objects and the summary."""
    from .model import render_model

    console = console or Console()
    texts = render_model(model)
    if model.folder is not None:
        for name in texts:
            path = Path(model.folder) / name
            if path.exists():
                texts[name] = path.read_text(encoding="utf-8-sig")  # load_model read it as UTF-8
    console.print(Group(*(csv_table(n, t) for n, t in texts.items())))
    console.print(objects_table(model))
    console.print(Text(summary_text(model)))
