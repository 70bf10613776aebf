"""The ``clusterfit`` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

__all__ = ["main"]


def _cmd_show(args: argparse.Namespace, console: Console) -> int:
    from .tables import load_model
    from .tables.display import print_model

    print_model(load_model(args.folder), console)
    return 0


def _cmd_validate(args: argparse.Namespace, console: Console) -> int:
    from .tables import validate_folder

    errors = validate_folder(args.folder)
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
    with console.status(f"simulating {args.model_folder} ..."):
        out = simulate(args.model_folder, args.output, seed=args.seed, noise=noise,
                       time_delays=args.time_delays, imaging=args.imaging, overwrite=args.overwrite)
    console.print(f"wrote {out}: " + ", ".join(sorted(p.name for p in out.iterdir())), highlight=False)
    return 0


def _cmd_evaluate(args: argparse.Namespace, console: Console) -> int:
    import json

    from .fit.evaluate import evaluate_model
    from .tables import load_model

    model = load_model(args.folder)
    if args.json:
        print(json.dumps(evaluate_model(model).to_json()))
        return 0
    with console.status(f"solving the images of {args.folder} ..."):
        ev = evaluate_model(model)
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


def _cmd_demo(args: argparse.Namespace, console: Console) -> int:
    from .examples import example_folder
    from .tables import load_model
    from .tables.display import print_model

    console.rule("clusterfit demo: the embedded example model folder")
    print_model(load_model(example_folder()), console)
    return 0


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
    p.add_argument("--overwrite", action="store_true", help="replace an existing dataset folder")
    p.set_defaults(func=_cmd_simulate)
    p = sub.add_parser("evaluate", help="the model against its point_datasets.csv: rms, chi2, images")
    p.add_argument("folder", type=Path)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_cmd_evaluate)
    p = sub.add_parser("demo", help="run the demo on the embedded example cluster")
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 160)
    try:
        return args.func(args, console)
    except (ValueError, FileNotFoundError, FileExistsError) as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        return 1


if __name__ == "__main__":
    sys.exit(main())
