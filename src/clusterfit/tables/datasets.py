"""``point_datasets.csv``: one row per observed image; rows sharing ``name`` are one source's dataset.

Columns as PyAutoLens's ``output_to_csv``: ``name, y, x, positions_noise``, then the optional groups
``flux, flux_noise``, ``time_delay, time_delay_noise`` and ``redshift``.
"""

from __future__ import annotations

from ..registry import column_domain
from .csvio import RawTable, check_header, parse_float, render_csv
from .errors import CsvError
from .rows import PointDataset, PointImage, Source

__all__ = ["DATASET_COLUMNS", "read_point_datasets", "render_point_datasets", "group_datasets"]

BASE = ("name", "y", "x", "positions_noise")
OPTIONAL = (("flux", "flux_noise"), ("time_delay", "time_delay_noise"), ("redshift",))
DATASET_COLUMNS = BASE + tuple(c for g in OPTIONAL for c in g)


def read_point_datasets(table: RawTable, errors: list[CsvError]) -> list[PointImage]:
    path = table.path
    if not check_header(table, BASE, DATASET_COLUMNS, errors, f"the header must have {', '.join(BASE)}"):
        return []
    images = []
    for raw in table.rows:
        name = raw.cells["name"]
        if not name:
            errors.append(CsvError(path, raw.line, "name", "name is empty",
                                   "give every image the name of its source"))
        vals = {c: parse_float(raw, c, path, errors, required=c in BASE[1:],
                               domain=column_domain(path.name, c))
                for c in DATASET_COLUMNS[1:] if c in table.header}
        if any(vals.get(c) is None for c in BASE[1:]):
            continue
        images.append(PointImage(name=name, source=Source(path.name, raw.line), **vals))
    _check_groups(images, table, errors)
    return images


def group_datasets(images: list[PointImage]) -> list[PointDataset]:
    """Images grouped by name, in order of first appearance."""
    groups: dict[str, list[PointImage]] = {}
    for im in images:
        groups.setdefault(im.name, []).append(im)
    return [PointDataset(name, tuple(ims)) for name, ims in groups.items()]


def _check_groups(images: list[PointImage], table: RawTable, errors: list[CsvError]) -> None:
    for ds in group_datasets(images):
        first = ds.images[0]
        for im in ds.images[1:]:
            if im.redshift != first.redshift:
                errors.append(CsvError(
                    table.path, im.source.line, "redshift",
                    f"source {ds.name!r} has redshift {_z(im.redshift)} here but {_z(first.redshift)} "
                    f"on line {first.source.line}",
                    "all images of one source share its redshift; write the same value on every row"))
        for group in OPTIONAL[:2]:
            col = group[0]
            filled = [getattr(im, col) is not None for im in ds.images]
            if any(filled) and not all(filled):
                miss = ds.images[filled.index(False)]
                errors.append(CsvError(
                    table.path, miss.source.line, col,
                    f"source {ds.name!r} has {col} on some images but not this one",
                    f"fill {col} on every image of {ds.name!r} or on none"))


def _z(z: float | None) -> str:
    return "empty" if z is None else repr(z)


def render_point_datasets(images: list[PointImage]) -> str:
    header = list(BASE)
    for group in OPTIONAL:
        if any(getattr(im, group[0]) is not None for im in images):
            header += group
    body = [[im.name] + [getattr(im, c) for c in header[1:]] for im in images]
    return render_csv(header, body)
