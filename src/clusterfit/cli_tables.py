"""``clusterfit`` commands on model folders: show, validate, diff, import-lenstool, export-lenstool,
export-autolens (the parser is :mod:`clusterfit.cli`)."""

from __future__ import annotations

import argparse
import warnings

from rich.console import Console

from .cli_output import error_json, escape, print_json, print_written

__all__ = ["cmd_show", "cmd_validate", "cmd_diff", "cmd_import_lenstool", "cmd_export_lenstool",
           "cmd_export_autolens"]


def cmd_show(args: argparse.Namespace, console: Console) -> int:
    from .tables import load_model
    from .tables.display import model_json, print_model

    model = load_model(args.folder)
    if args.json:
        print_json(model_json(model, all_rows=args.all))
    else:
        print_model(model, console, all_rows=args.all)
    return 0

def cmd_validate(args: argparse.Namespace, console: Console) -> int:
    from .tables.bookkeeping_fix import fix_bookkeeping
    from .tables.model import validate_folder

    if args.fix:
        by_line: dict = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the folder is read again below, warnings shown there
            fixed = fix_bookkeeping(args.folder)
        for c in fixed:
            by_line.setdefault(c.line, []).append(f"{c.column} {'(empty)' if c.found is None else repr(c.found)}"
                                                  f" → {c.expected!r}")
        for line, changes in by_line.items():
            console.print(f"fixed mass.csv:{line}: {', '.join(changes)}", highlight=False, markup=False)
    found, missing = [], []
    errors = validate_folder(args.folder, found, missing)
    if missing:
        console.print(f"note: {len(missing)} PyAutoLens bookkeeping cells of mass.csv are empty (first: line "
                      f"{missing[0].line}, {missing[0].column!r}); PyAutoLens's readers would build those "
                      "profiles with their defaults (redshift_source 1.0), another lens. `clusterfit validate "
                      "--fix` fills them (docs/autolens.md)", highlight=False, markup=False)
    if args.json:
        print_json({"folder": str(args.folder), "valid": not errors, "errors": [error_json(e) for e in errors],
                    "warnings": [w.format() for w in found]})
        return 1 if errors else 0
    folder = escape(str(args.folder))
    for w in found:
        console.print(f"[yellow]warning:[/yellow] {escape(w.format())}", highlight=False)
    if not errors:
        note = f" ({len(found)} warning{'s' if len(found) != 1 else ''})" if found else ""
        console.print(f"[green]{folder}: valid[/green]{note}")
        return 0
    console.print(f"[red]{len(errors)} problem{'s' if len(errors) != 1 else ''} in {folder}:[/red]")
    for e in errors:
        console.print(f"  {e.format()}", markup=False, highlight=False)
    return 1

def cmd_diff(args: argparse.Namespace, console: Console) -> int:
    from .tables import load_model
    from .tables.diff import diff_models

    diffs = diff_models(load_model(args.a), load_model(args.b))
    if args.json:
        print_json({"a": str(args.a), "b": str(args.b), "differences": [vars(d) for d in diffs]})
        return 1 if diffs else 0
    for d in diffs:
        console.print(str(d), markup=False, highlight=False)
    if not diffs:
        console.print("no differences")
    return 1 if diffs else 0

def cmd_import_lenstool(args: argparse.Namespace, console: Console) -> int:
    from .interop.lenstool import import_lenstool
    from .output import output_folder
    from .tables import TABLE_FILES
    from .tables.model import render_model

    notes: list[str] = []
    model = import_lenstool(args.par, notes=notes, images=args.images)
    if not model.mass and not model.scaling_galaxies:
        raise ValueError(f"{args.par}: no potentials to import (no potentiel or potfile block); "
                         f"nothing was written to {args.output}")
    contents = render_model(model)
    with output_folder(args.output, "import-lenstool", owned=contents, overwrite=args.overwrite,
                       companions=TABLE_FILES) as out:
        out.write_all(contents)
    notes += out.notes
    if args.json:
        print_json({"command": "import-lenstool", "output": str(args.output), "files": sorted(contents),
                    "notes": notes})
        return 0
    for note in notes:
        console.print(f"note: {note}", highlight=False, markup=False)
    console.print(f"wrote {args.output}: {len(model.mass)} mass rows, {len(model.scaling_galaxies)} members, "
                  f"{len(model.point_images)} images in {len(model.point_datasets)} systems, "
                  f"{len(model.priors)} priors", highlight=False, markup=False)
    return 0

def cmd_export_lenstool(args: argparse.Namespace, console: Console) -> int:
    from .interop.lenstool import export_lenstool
    from .output import check_writable_file, output_folder
    from .tables import load_model

    notes: list[str] = []
    model = load_model(args.folder)
    name = check_writable_file(args.output, ".par file").name
    with output_folder(args.output.parent, "export-lenstool", owned=[name], overwrite=args.overwrite,
                       key=f"export-lenstool {name}") as out:
        export_lenstool(model, out.path(name), notes=notes)
    notes += out.notes
    path = args.output
    if args.json:
        print_json({"command": "export-lenstool", "output": str(path), "notes": notes})
        return 0
    for note in notes:
        console.print(f"note: {note}", highlight=False, markup=False)
    console.print(f"wrote {path} and its catalogues", highlight=False, markup=False)
    return 0

def cmd_export_autolens(args: argparse.Namespace, console: Console) -> int:
    from .interop.autolens_export import export_autolens
    from .tables import load_model

    notes: list[str] = []
    out = export_autolens(load_model(args.folder), args.output, overwrite=args.overwrite, notes=notes)
    print_written(console, out, "export-autolens", notes, args.json)
    if args.json:
        return 0
    console.print(f"in PyAutoLens: python {out / 'load_in_autolens.py'}", highlight=False, markup=False)
    return 0
