"""`esign-bot report --out DIR`: the /stats charts as PNG files, and their figures as JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from bot.clikit import CommandError, CommandGroups, database, print_json, settings_for_cli
from bot.db.base import utcnow
from bot.guidance.api import load_topics
from bot.i18n import LANGS, Lang, Texts
from bot.insights.chart_text import Chart
from bot.insights.figures import Figures, collect, to_json
from bot.insights.report import chart_text, render

FIGURES_FILE = "figures.json"


def register(commands: CommandGroups) -> None:
    sub = commands.top
    report = sub.add_parser(
        "report", help="write the operators' charts (PNG) and their figures (JSON) to a folder"
    )
    report.add_argument("--out", required=True, type=Path, help="folder to write into")
    report.add_argument(
        "--lang", choices=LANGS, help="language of the chart titles (default OPERATOR_LANGUAGE)"
    )
    report.add_argument("--json", action="store_true", help="print what was written as JSON")
    report.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out: {out} is not a folder")
    settings = settings_for_cli()
    lang: Lang = args.lang or settings.operator_language
    texts = Texts.load(settings.content_dir)
    titles = {k: t.text(lang).title for k, t in load_topics(settings.content_dir).items()}

    async def gather() -> tuple[Figures, list[Chart]]:
        async with database(settings) as db, db.sessionmaker() as session:
            figures = await collect(session, utcnow())
        return figures, await render(figures, chart_text(texts, lang, titles))

    figures, charts = asyncio.run(gather())
    try:
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for chart in charts:
            path = out / f"{chart.name}.png"
            path.write_bytes(chart.png)
            written.append(str(path))
        data = to_json(figures)
        (out / FIGURES_FILE).write_text(
            json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    except OSError as exc:
        raise CommandError(f"--out: cannot write to {out}: {exc.strerror}") from None
    written.append(str(out / FIGURES_FILE))
    if args.json:
        print_json({"files": written, "key_figures": data["key_figures"]})
    else:
        for name in written:
            print(name)
    return 0
