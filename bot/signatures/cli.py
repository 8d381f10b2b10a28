"""`esign-bot registry import FILE` and `esign-bot demo-data`."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterator
from pathlib import Path

from bot.clikit import CommandError, CommandGroups, database, print_json, settings_for_cli
from bot.config import Settings
from bot.signatures.registry import ImportReport, import_registry, registry_size
from bot.signatures.registry_csv import RegistryHeaderError

DEMO_REGISTRY = Path("signatures") / "demo_registry.csv"  # in the content directory


def register(commands: CommandGroups) -> None:
    sub = commands.top
    registry = sub.add_parser("registry", help="the ministry's certificate registry")
    actions = registry.add_subparsers(title="registry commands", metavar="ACTION", required=True)
    importer = actions.add_parser(
        "import", help="import a registry CSV (idempotent: rows are updated by serial number)"
    )
    importer.add_argument("file", type=Path, help="UTF-8 CSV with the registry's header row")
    importer.add_argument(
        "--skip-invalid", action="store_true", help="import the good rows even if some are bad"
    )
    importer.add_argument("--json", action="store_true", help="machine-readable report")
    importer.set_defaults(handler=cmd_import)

    demo = sub.add_parser("demo-data", help="load the sample registry (see the README)")
    demo.add_argument("--json", action="store_true", help="machine-readable report")
    demo.set_defaults(handler=cmd_demo_data)


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from handle


async def load_file(settings: Settings, path: Path, *, skip_invalid: bool) -> ImportReport:
    secret = settings.pii_key()  # before the database is touched: no key, no import
    async with database(settings) as db:
        return await import_registry(
            db.sessionmaker, _lines(path), secret=secret, skip_invalid=skip_invalid
        )


def _run_import(
    args: argparse.Namespace, settings: Settings, path: Path, skip_invalid: bool
) -> int:
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    try:
        report = asyncio.run(load_file(settings, path, skip_invalid=skip_invalid))
    except RegistryHeaderError as exc:
        raise CommandError(f"{path}: line {exc.line}: {exc.reason}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not UTF-8 text") from None
    if args.json:
        print_json(report.to_json())
    else:
        for error in report.errors:
            print(error.reason)
        if report.rows_invalid > len(report.errors):
            print(f"... and {report.rows_invalid - len(report.errors)} more bad rows")
        if report.applied:
            print(f"{report.rows_written} rows imported; {report.rows_invalid} bad rows skipped")
        else:
            print(
                f"nothing imported: {report.rows_invalid} bad rows "
                "(fix them, or import the rest with --skip-invalid)"
            )
    return 0 if report.applied and not report.rows_invalid else (1 if report.applied else 2)


def cmd_import(args: argparse.Namespace) -> int:
    return _run_import(args, settings_for_cli(), args.file, args.skip_invalid)


async def prepare_demo(settings: Settings) -> None:
    """The terminal chat starts with the sample registry, so every flow can be tried."""
    async with database(settings, upgrade=False) as db:
        async with db.sessionmaker() as session:
            empty = await registry_size(session) == 0
        if empty:
            await import_registry(
                db.sessionmaker,
                _lines(settings.content_dir / DEMO_REGISTRY),
                secret=settings.pii_key(),
            )


def cmd_demo_data(args: argparse.Namespace) -> int:
    settings = settings_for_cli()
    return _run_import(args, settings, settings.content_dir / DEMO_REGISTRY, False)
