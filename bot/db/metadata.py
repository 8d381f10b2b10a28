"""All tables the migrations manage: the shared ones and every feature's models."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from sqlalchemy import MetaData

import bot
from bot.db.base import Base


def all_metadata() -> MetaData:
    # Importing each feature's models registers its tables on Base.metadata, so autogenerate
    # and the drift test see every table without a hand-kept list.
    importlib.import_module("bot.db.models")
    root = Path(bot.__file__).parent
    for module in pkgutil.iter_modules(bot.__path__):
        if module.ispkg and (root / module.name / "models.py").is_file():
            importlib.import_module(f"bot.{module.name}.models")
    return Base.metadata
