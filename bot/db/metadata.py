"""All tables the migrations manage: the shared ones and every feature's models."""

from __future__ import annotations

import importlib
import pkgutil

from sqlalchemy import MetaData

import bot
from bot.db.base import Base


def all_metadata() -> MetaData:
    # Importing each feature's models registers its tables on Base.metadata, so autogenerate
    # and the drift test see every table without a hand-kept list.
    importlib.import_module("bot.db.models")
    for module in pkgutil.iter_modules(bot.__path__):
        if module.ispkg and module.name not in {"db", "harness"}:
            try:
                importlib.import_module(f"bot.{module.name}.models")
            except ModuleNotFoundError as exc:
                if exc.name != f"bot.{module.name}.models":
                    raise
    return Base.metadata
