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
    p = sub.add_parser("demo", help="run the demo on the embedded example cluster")
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 160)
    try:
        return args.func(args, console)
    except (ValueError, FileNotFoundError) as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        return 1


if __name__ == "__main__":
    sys.exit(main())
