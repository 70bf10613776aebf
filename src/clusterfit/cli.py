"""The ``clusterfit`` command line."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from rich.console import Console

__all__ = ["main"]


def _cmd_show(args: argparse.Namespace, console: Console) -> int:
    from .tables import load_model
    from .tables.display import print_model

    print_model(load_model(args.folder), console)
    return 0


def _cmd_validate(args: argparse.Namespace, console: Console) -> int:
    from .tables.bookkeeping import bookkeeping_cells, fix_bookkeeping, stale_bookkeeping
    from .tables.model import _read_folder

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
    model, errors = _read_folder(args.folder)
    errors += stale_bookkeeping(model)
    if missing := [c for c in bookkeeping_cells(model) if not c.stale]:
        console.print(f"note: {len(missing)} PyAutoLens bookkeeping cells of mass.csv are empty (first: line "
                      f"{missing[0].line}, {missing[0].column!r}); PyAutoLens's readers would build those "
                      "profiles with their defaults (redshift_source 1.0), another lens. `clusterfit validate "
                      "--fix` fills them (docs/autolens.md)", highlight=False, markup=False)
    if not errors:
        console.print(f"[green]{args.folder}: valid[/green]")
        return 0
    console.print(f"[red]{len(errors)} problem{'s' if len(errors) != 1 else ''} in {args.folder}:[/red]")
    for e in errors:
        console.print(f"  {e.format()}", markup=False, highlight=False)
    return 1


def _cmd_diff(args: argparse.Namespace, console: Console) -> int:
    from .tables import load_model
    from .tables.diff import diff_models

    diffs = diff_models(load_model(args.a), load_model(args.b))
    for d in diffs:
        console.print(str(d), markup=False, highlight=False)
    if not diffs:
        console.print("no differences")
    return 1 if diffs else 0


def _cmd_simulate(args: argparse.Namespace, console: Console) -> int:
    from .simulate import PointNoise, simulate

    noise = PointNoise(positions_noise=args.positions_noise, add=not args.no_noise)
    notes: list[str] = []
    with console.status(f"simulating {args.model_folder} ..."):
        out = simulate(args.model_folder, args.output, seed=args.seed, noise=noise, notes=notes,
                       time_delays=args.time_delays, imaging=args.imaging, overwrite=args.overwrite)
    _print_written(console, out, "simulate", notes)
    return 0


def _print_written(console: Console, folder: Path, key: str, notes: list[str]) -> None:
    """``wrote FOLDER: files`` (from the folder's manifest) and the notes of the output policy."""
    from .output import read_manifest

    files = (read_manifest(folder)["runs"].get(key) or {}).get("files") or {}
    console.print(f"wrote {folder}: " + ", ".join(sorted(files)), highlight=False, markup=False)
    for note in notes:
        console.print(f"note: {note}", highlight=False, markup=False)


def _cmd_evaluate(args: argparse.Namespace, console: Console) -> int:
    import json

    from .fit.evaluate import evaluate_model
    from .tables import load_model

    model = load_model(args.folder)
    if args.json:
        print(json.dumps(evaluate_model(model, source=args.source).to_json()))
        return 0
    with console.status(f"solving the images of {args.folder} ..."):
        ev = evaluate_model(model, source=args.source)
    from rich.table import Table

    table = Table(title=f"{args.folder}: model vs point_datasets.csv", title_justify="left")
    for col in ("system", "z", "images", "predicted", "missing", "extra", "rms [arcsec]", "chi2"):
        table.add_column(col, justify="right" if col != "system" else "left")
    for s in ev.systems:
        table.add_row(s.name, f"{s.redshift:g}", str(s.n_images), str(len(s.predicted)), str(s.n_missing),
                      str(s.n_extra), f"{s.rms_arcsec:.4f}", f"{s.chi2:.2f}")
    table.add_row("all", "", str(ev.n_images), "", str(ev.n_missing), str(ev.n_extra),
                  f"{ev.rms_arcsec:.4f}", f"{ev.chi2:.2f}", style="bold")
    console.print(table)
    return 0


def _cmd_import_lenstool(args: argparse.Namespace, console: Console) -> int:
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
    for note in notes:
        console.print(f"note: {note}", highlight=False, markup=False)
    console.print(f"wrote {args.output}: {len(model.mass)} mass rows, {len(model.scaling_galaxies)} members, "
                  f"{len(model.point_images)} images in {len(model.point_datasets)} systems, "
                  f"{len(model.priors)} priors", highlight=False)
    return 0


def _cmd_export_lenstool(args: argparse.Namespace, console: Console) -> int:
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
    for note in notes:
        console.print(f"note: {note}", highlight=False, markup=False)
    console.print(f"wrote {path} and its catalogues", highlight=False)
    return 0


def _cmd_export_autolens(args: argparse.Namespace, console: Console) -> int:
    from .interop.autolens_export import export_autolens
    from .tables import load_model

    notes: list[str] = []
    out = export_autolens(load_model(args.folder), args.output, overwrite=args.overwrite, notes=notes)
    _print_written(console, out, "export-autolens", notes)
    console.print(f"in PyAutoLens: python {out / 'load_in_autolens.py'}", highlight=False, markup=False)
    return 0


def _search_config(args: argparse.Namespace):
    from .fit.search import SearchConfig

    return SearchConfig(n_live=args.n_live, seed=args.seed, n_eff=args.n_eff, n_networks=args.n_networks,
                        checkpoint=args.checkpoint, pool=args.pool, n_starts=args.n_starts,
                        n_samples=args.n_samples, n_chains=args.chains, n_warmup=args.warmup,
                        n_draws=args.draws)


def _print_fit(result, console: Console, truths: bool) -> None:
    from rich.table import Table

    from .fit.results import summary_rows

    table = Table(title="posterior (median, 16–84 %)", title_justify="left")
    for col in ("parameter", "median", "16 %", "84 %", "max L", "prior") + (("truth",) if truths else ()):
        table.add_column(col, justify="left" if col in ("parameter", "prior") else "right")
    for row in summary_rows(result.search, result.composed, result.truths if truths else None):
        cells = [row[0], *(f"{v:.4g}" for v in row[1:4]), f"{row[5]:.4g}", row[6]]
        if truths:
            cells.append(f"{row[7]:.4g}")
        table.add_row(*cells)
    console.print(table)
    ev = result.evaluation
    log_z = result.search.log_z
    evidence = f"log-evidence {log_z:.2f}; " if log_z == log_z else ""  # NaN: an MCMC search
    console.print(f"image-plane rms {ev.rms_arcsec:.4f}\" over {ev.n_images} images, chi2 {ev.chi2:.2f}; "
                  f"{evidence}{result.search.n_like:,} likelihood "
                  f"evaluations in {result.search.wall_s:.1f} s", highlight=False)
    console.print(f"results: {result.folder}/ ({', '.join(sorted(result.files))})", highlight=False)


def _cmd_fit(args: argparse.Namespace, console: Console) -> int:
    from .fit.run import fit

    notes: list[str] = []
    result = fit(args.folder, args.output, likelihood=args.likelihood, search=args.search,
                 config=_search_config(args), console=console, overwrite=args.overwrite, notes=notes,
                 plots=not args.no_plots)
    _print_fit(result, console, truths=False)
    for note in notes:
        console.print(f"note: {note}", highlight=False, markup=False)
    return 0


def _cmd_demo(args: argparse.Namespace, console: Console) -> int:
    from .examples import example_folder
    from .fit.run import fit
    from .output import OutputError
    from .simulate import simulate

    out = args.output
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is a file, not a folder; give a folder path for the demo (-o)")
    if not args.overwrite and any((out / d).exists() for d in ("dataset", "results")):
        raise OutputError(f"{out} holds an earlier demo; pass --overwrite to replace its files, or -o another "
                          "folder")
    console.rule("clusterfit demo")
    console.print(f"1. simulate the embedded example ({example_folder()}) into {out / 'dataset'}",
                  highlight=False)
    with console.status("solving the images of 3 sources behind a 33-galaxy cluster ..."):
        simulate(example_folder(), out / "dataset", seed=args.seed, overwrite=args.overwrite)
    console.print(f"2. fit it (source-plane likelihood, nautilus) into {out / 'results'}", highlight=False)
    result = fit(out / "dataset", out / "results", config=_search_config(args), console=console,
                 overwrite=args.overwrite)
    _print_fit(result, console, truths=True)
    console.print("plots: " + ", ".join(str(p) for n, p in sorted(result.files.items()) if n.endswith(".png")),
                  highlight=False)
    console.print(f"Next: edit a CSV in {out / 'dataset'} (e.g. a sigma in mass.csv), then "
                  f"`clusterfit simulate {out / 'dataset'} -o {out / 'dataset'} --overwrite` and "
                  f"`clusterfit fit {out / 'dataset'} -o {out / 'results'} --overwrite` again.",
                  highlight=False, markup=False)
    return 0


def _add_search_options(p: argparse.ArgumentParser, n_live: int, n_networks: int) -> None:
    p.add_argument("--n-live", type=int, default=n_live, help="nautilus live points")
    p.add_argument("--n-eff", type=int, default=1000, help="effective posterior samples to reach")
    p.add_argument("--n-networks", type=int, default=n_networks, help="nautilus networks per bound")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--pool", default=None, metavar="N|dask://HOST:PORT|mpi",
                   help="where likelihood batches, MAP starts and NUTS chains run: N processes, a dask "
                   "scheduler or MPI ranks (docs/scaling.md)")
    p.add_argument("--checkpoint", type=Path, default=None, help="HDF5 file to resume from")
    p.add_argument("--n-starts", type=int, default=4, help="laplace search: optimiser starts")
    p.add_argument("--n-samples", type=int, default=8000, help="laplace search: importance samples")
    p.add_argument("--chains", type=int, default=4, help="nuts search: chains")
    p.add_argument("--warmup", type=int, default=500, help="nuts search: warm-up steps per chain")
    p.add_argument("--draws", type=int, default=1000, help="nuts search: draws kept per chain")


_OVERWRITE = ("replace the files this command writes if they exist already (other files in the output "
              "folder are never touched; docs/output.md)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clusterfit",
        description="Strong-lensing models of galaxy clusters in which a folder of CSV tables is the model.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("show", help="print every table and the loaded objects with their source rows")
    p.add_argument("folder", type=Path)
    p.set_defaults(func=_cmd_show)
    p = sub.add_parser("validate", help="list every problem in a model folder; exit 1 if any")
    p.add_argument("folder", type=Path)
    p.add_argument("--fix", action="store_true", help="first rewrite mass.csv's PyAutoLens bookkeeping cells "
                   "(redshift_object, redshift_source, H0, Om0) that are empty or stale; nothing else")
    p.set_defaults(func=_cmd_validate)
    p = sub.add_parser("diff", help="print the cells that differ between two model folders")
    p.add_argument("a", type=Path)
    p.add_argument("b", type=Path)
    p.set_defaults(func=_cmd_diff)
    p = sub.add_parser("simulate", help="simulate a model folder into a dataset folder")
    p.add_argument("model_folder", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True, help="the dataset folder to write")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--positions-noise", type=float, default=0.05, help="1σ per axis, arcsec")
    p.add_argument("--no-noise", action="store_true", help="exact positions (noise column kept)")
    p.add_argument("--time-delays", action="store_true", help="add time delays (days)")
    p.add_argument("--imaging", action="store_true", help="also write data.fits, noise_map.fits, psf.fits")
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    p.set_defaults(func=_cmd_simulate)
    p = sub.add_parser("evaluate", help="the model against its point_datasets.csv: rms, chi2, images")
    p.add_argument("folder", type=Path)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--source", choices=("optimal", "barycentre", "lenstool"), default="optimal",
                   help="source position per system: optimal (linearised image-plane χ²), the "
                        "barycentre of the traced images, or lenstool (|μ|-weighted barycentre and "
                        "Lenstool's local image search: its Chi2pos; see docs/lenstool.md)")
    p.set_defaults(func=_cmd_evaluate)
    p = sub.add_parser("import-lenstool", help="a Lenstool .par (and its catalogues) → a model folder")
    p.add_argument("par", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True)
    p.add_argument("--images", type=Path, default=None,
                   help="take the multiple images from this .par (the input .par of a best.par, which "
                        "names no image catalogue): only its image block, catalogue and sigposArcsec are "
                        "read, and the redshifts the best.par reports as fitted override its own")
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    p.set_defaults(func=_cmd_import_lenstool)
    p = sub.add_parser("export-lenstool", help="a model folder → a Lenstool .par with catalogues")
    p.add_argument("folder", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True, help="the .par file to write")
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    p.set_defaults(func=_cmd_export_lenstool)
    p = sub.add_parser("export-autolens", help="a model folder → a folder for PyAutoLens's CSV loaders "
                       "(members expanded) with load_in_autolens.py")
    p.add_argument("folder", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True, help="the folder to write")
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    p.set_defaults(func=_cmd_export_autolens)
    p = sub.add_parser("fit", help="fit a dataset folder; write the results folder")
    p.add_argument("folder", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True, help="the results folder")
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    p.add_argument("--likelihood", choices=("source", "image"), default="source",
                   help="source-plane (linearised) or image-plane χ²")
    p.add_argument("--search", choices=("auto", "nautilus", "nuts", "laplace"), default="auto",
                   help="nested sampling over the prior; NUTS chains from the MAP (R̂, ESS reported); "
                   "MAP + importance sampling around it (fastest); auto (the default): chosen for the "
                   "model, the choice printed (README)")
    p.add_argument("--no-plots", action="store_true",
                   help="skip the figures (critical curves, corner plot): tables and report only")
    _add_search_options(p, n_live=300, n_networks=2)
    p.set_defaults(func=_cmd_fit)
    p = sub.add_parser("demo", help="simulate the embedded example and fit it")
    p.add_argument("-o", "--output", type=Path, default=Path("clusterfit_demo"))
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    _add_search_options(p, n_live=200, n_networks=1)
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 160)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning  # one line on stderr, no source location
            return args.func(args, console)
    except (ValueError, FileNotFoundError, FileExistsError) as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        return 1
    except OSError as exc:  # disk full, permissions: the system's own words, with the path
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        return 1
    except KeyboardInterrupt:
        console.print("[red]interrupted[/red]: nothing was written; earlier output is as it was", highlight=False)
        return 130


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    Console(stderr=True, soft_wrap=True).print(f"warning: {message}", highlight=False, markup=False)


if __name__ == "__main__":
    sys.exit(main())
