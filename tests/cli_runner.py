"""Run the command line as an operator would: a clean environment, one working directory.

`run_cli` runs `bot.cli.main` in this process, in a thread of its own (it starts its own event
loop), with the environment, working directory, standard streams, logging and content directory
swapped for the call and put back afterwards. A fresh `python -m bot` costs about a second of
imports, and the suite calls the command line often. `run_process` starts the real
`python -m bot`: for the commands that serve (`chat`, `run`) and for the tests that are about the
installed command itself (exit status from the interpreter, nothing else on stderr).
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot import content

CLEAN_PATH = "/usr/bin:/bin"


def run_process(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env={"PATH": CLEAN_PATH, **(env or {})},
    )


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    assert args[:1] not in (("run",), ("chat",), ()), "commands that serve: use run_process"
    streams = {name: io.TextIOWrapper(io.BytesIO(), encoding="utf-8") for name in ("out", "err")}
    given = io.TextIOWrapper(io.BytesIO((stdin or "").encode()), encoding="utf-8")
    code: list[int] = []

    def call() -> None:
        from bot.cli import main

        try:
            code.append(main(list(args)))
        except SystemExit as exit_:  # argparse's errors, --version
            code.append(exit_.code if isinstance(exit_.code, int) else 1)
        except BaseException:  # as the interpreter would: the traceback and status 1
            traceback.print_exc(file=sys.stderr)
            code.append(1)

    with _isolated(cwd, {"PATH": CLEAN_PATH, **(env or {})}):
        saved = sys.stdin, sys.stdout, sys.stderr
        sys.stdin, sys.stdout, sys.stderr = given, streams["out"], streams["err"]
        try:
            thread = threading.Thread(target=call, name="cli")
            thread.start()
            thread.join(timeout=120)
            assert not thread.is_alive(), f"esign-bot {' '.join(args)} did not finish"
        finally:
            sys.stdin, sys.stdout, sys.stderr = saved
    out, err = (_text(stream) for stream in (streams["out"], streams["err"]))
    return subprocess.CompletedProcess(["esign-bot", *args], code[0], out, err)


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8")


@contextmanager
def _isolated(cwd: Path, env: dict[str, str]) -> Iterator[None]:
    """The process-wide state a command sets (environment, directory, logging, content in use)."""
    environ, directory, in_use = dict(os.environ), Path.cwd(), content.directory()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(environ)
        os.chdir(directory)
        content.use(in_use)
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)
