"""Printing: every table with rich, every loaded object with the CSV row it came from."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from .render import render_model

if TYPE_CHECKING:
    from .model import ClusterModel

__all__ = ["csv_table", "objects_table", "summary_text", "print_model", "head_tail", "HEAD", "TAIL", "model_json"]

HEAD, TAIL = 20, 10  # rows a summarised table shows at its start and end


def head_tail(n_rows: int, head: int = HEAD, tail: int = TAIL) -> tuple[range, range, int]:
    """Which of ``n_rows`` rows a summary shows: the first ``head``, the last ``tail``, and how many are
    left out between them (0 when all fit: then every row is in the first range)."""
    if n_rows <= head + tail:
        return range(n_rows), range(0), 0
    return range(head), range(n_rows - tail, n_rows), n_rows - head - tail


def csv_table(name: str, text: str, all_rows: bool = True) -> Table:
    """A rich table of a CSV file's text, with file line numbers in the first column; unless ``all_rows``,
    only the first and last rows of a long table (:func:`head_tail`) and a line counting the others."""
    rows = list(csv.reader(io.StringIO(text)))
    data = rows[1:]
    first, last, left_out = (range(len(data)), range(0), 0) if all_rows else head_tail(len(data))
    title = name if not left_out else f"{name} ({len(data):,} rows)"
    caption = f"{left_out:,} rows not shown (lines {first.stop + 2}–{last.start + 1}); --all shows them"
    table = Table(title=Text(title), title_justify="left", show_lines=False, header_style="bold cyan",
                  caption=Text(caption) if left_out else None, caption_justify="left")
    table.add_column("line", style="dim", justify="right")
    for h in rows[0]:
        table.add_column(Text(h), justify="left", overflow="fold")
    for k, i in enumerate([*first, *last]):
        if left_out and k == len(first):
            table.add_row(*["…"] * (len(rows[0]) + 1))
        table.add_row(str(i + 2), *[Text(c) if c else "·" for c in data[i]])  # Text: cells are never markup
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


def _table_texts(model: ClusterModel) -> dict[str, str]:
    """Each table's text: the file as written in the model's folder, else as :func:`render_model` writes it."""
    texts = render_model(model)
    if model.folder is not None:
        for name in texts:
            path = Path(model.folder) / name
            if path.exists():
                texts[name] = path.read_text(encoding="utf-8-sig")  # load_model read it as UTF-8
    return texts


def model_json(model: ClusterModel, all_rows: bool = True) -> dict:
    """What ``show --json`` prints: each table's columns, row count and rows (``{"line": n, column:
    cell}``; unless ``all_rows`` the first and last rows of a long one, with ``rows_not_shown``), then
    the galaxies, scaling tiers, free parameters and cosmology."""
    tables = {}
    for name, text in _table_texts(model).items():
        rows = list(csv.reader(io.StringIO(text)))
        header, data = rows[0], rows[1:]
        first, last, left_out = (range(len(data)), range(0), 0) if all_rows else head_tail(len(data))
        tables[name] = {"columns": header, "n_rows": len(data), "rows_not_shown": left_out,
                        "rows": [{"line": i + 2, **dict(zip(header, data[i], strict=False))}
                                 for i in [*first, *last]]}
    return {
        "folder": None if model.folder is None else str(model.folder),
        "tables": tables,
        "galaxies": {name: {"redshift": g.redshift, "profiles": {a: {"class": r.profile_class,
                     "source": str(r.source)} for a, r in g.profiles.items()}} for name, g in model.galaxies.items()},
        "scaling_tiers": [{"tier": r.tier, "profile_class": r.profile_class, "redshift": r.redshift,
                           "members": len(model.tier_members(r.tier))} for r in model.scaling_relations],
        "point_datasets": [{"name": d.name, "redshift": d.redshift, "images": len(d.images)}
                           for d in model.point_datasets],
        "free_parameters": [{"name": fp.name, "prior": fp.prior.describe(), "source": str(fp.prior.source)}
                            for fp in _free(model)],
        "cosmology": {"H0": model.cosmology.H0, "Om0": model.cosmology.Om0},
    }


def print_model(model: ClusterModel, console: Console | None = None, all_rows: bool = True) -> None:
    """Print every table of the model's folder (unless ``all_rows``, long ones summarised), then the
    loaded objects and the summary."""
    console = console or Console()
    texts = _table_texts(model)
    console.print(Group(*(csv_table(n, t, all_rows) for n, t in texts.items())))
    console.print(objects_table(model))
    console.print(Text(summary_text(model)))
