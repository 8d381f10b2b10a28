"""Settings from the environment (and a .env file), validated once at start."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.content import PACKAGED_DIR

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_API_FILE_URL = "https://api.telegram.org/file/bot"
MIN_PII_SECRET_BYTES = 16
# What Telegram accepts as a webhook secret_token: 1-256 of these characters.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Paths the webhook server answers itself; the webhook cannot live there.
RESERVED_WEBHOOK_PATHS = frozenset({"/healthz", "/metrics"})
DEMO_PII_SECRET = b"demo-only-pii-secret-not-for-real-data"
# Where the password check page is served when WEBAPP_URL does not say (the terminal chat).
DEFAULT_WEBAPP_PATH = "/password-check/"


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    bot_token: SecretStr | None = None
    bot_api_base_url: str = DEFAULT_API_BASE_URL
    bot_api_file_url: str = DEFAULT_API_FILE_URL
    database_url: str | None = None
    bot_data_dir: Path = Path("data")
    # Where texts and topics are read from; editors may point a deployment at updated content.
    content_dir: Path = PACKAGED_DIR
    operator_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    operator_chat_id: int | None = None
    # The language of announcements in OPERATOR_CHAT_ID.
    operator_language: Literal["kk", "ru", "en"] = "ru"
    pii_secret: SecretStr | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    # The password check page (a Telegram Mini App): its public HTTPS address, and where the
    # bot serves it in polling mode (webhook mode serves it on the webhook's port).
    webapp_url: str | None = None
    webapp_listen: str = "127.0.0.1"
    webapp_port: int = Field(default=8444, ge=0, le=65535)
    # Flood control: a user who sends more than this many updates in a minute (private chats
    # and button presses) gets one notice and is ignored for the cool-down; 0 turns it off.
    flood_limit_per_minute: int = Field(default=20, ge=0, le=10_000)
    flood_cooldown_seconds: int = Field(default=60, ge=1, le=86_400)
    # Processes that rate passwords (CPU-bound; in threads they would slow every other reply).
    # 0 runs checks in a thread of the bot's own process.
    password_check_workers: int = Field(default=1, ge=0, le=32)
    # Messages (and edits and deletions) a second for the whole deployment: every instance of
    # this bot token together (Telegram allows about 30; more only against a local fake, as the
    # fuzz test and the load benchmark do). Broadcasts get what the others leave.
    send_rate: float = Field(default=30.0, gt=0, le=1000)
    # A cap on the broadcast lane (at or above SEND_RATE: no cap); above 30, paid broadcasts.
    broadcast_rate: float = Field(default=30.0, gt=0, le=1000)
    # A phone number can pass to someone else: a verification older than this no longer
    # shows anyone the number's signatures, and /status asks for the contact again.
    phone_verification_days: int = Field(default=180, ge=1, le=3650)
    # Questions no topic answered are kept for the content editors this many days after they
    # were last asked, then forgotten.
    unmatched_retention_days: int = Field(default=90, ge=1, le=3650)
    # Revocation status of certificates people send: the CA's OCSP responder, never the URL a
    # sent certificate names (that could point anywhere, our own network included).
    ocsp_url: str = "http://ocsp.pki.gov.kz/"
    ocsp_timeout: float = Field(default=3.0, gt=0, le=30)
    # PEM files of the CA certificates that issue citizens' keys (a file or a directory).
    ca_certs_path: Path | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    # Migrations at start keep a fresh checkout runnable with one command; operators who prefer
    # to migrate as a separate deploy step switch it off.
    auto_migrate: bool = True

    @field_validator("operator_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            bad = [p for p in parts if not p.lstrip("-").isdigit()]
            if bad:
                raise ValueError(f"expected comma-separated Telegram user ids, got {bad[0]!r}")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("bot_token", "pii_secret", "webhook_secret", "webapp_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("use 1-256 characters A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @property
    def demo_mode(self) -> bool:
        """No token: the bot runs against the embedded harness (terminal chat, tests)."""
        return self.bot_token is None

    @property
    def webapp_path(self) -> str:
        """The path the password check page is served at: WEBAPP_URL's, or the default."""
        if self.webapp_url is None:
            return DEFAULT_WEBAPP_PATH
        return urlsplit(self.webapp_url).path or "/"

    @field_validator("pii_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < MIN_PII_SECRET_BYTES:
            raise ValueError(f"must be at least {MIN_PII_SECRET_BYTES} bytes long")
        return value

    def pii_key(self) -> bytes:
        """The HMAC key for phone numbers; the public demo key only for the demo database.

        Phones hashed with a public key can be reversed by anyone, and would never match the
        hashes a production bot computes: outside the terminal chat's own SQLite file (no
        token, no DATABASE_URL of another database) a missing PII_SECRET is an error.
        """
        if self.pii_secret is not None:
            return self.pii_secret.get_secret_value().encode()
        if self.uses_demo_database:
            return DEMO_PII_SECRET
        raise SettingsError(
            "PII_SECRET: required outside the demo database (phone numbers are hashed with it)"
        )

    @property
    def uses_demo_database(self) -> bool:
        """No token and the default SQLite file under BOT_DATA_DIR: the terminal chat's."""
        return self.demo_mode and self.resolved_database_url() == self._default_database_url()

    @property
    def token(self) -> str:
        if self.bot_token is None:
            raise SettingsError("BOT_TOKEN: not set")
        return self.bot_token.get_secret_value()

    def resolved_database_url(self) -> str:
        # Imported here: the database module depends on settings, not the other way round.
        from bot.db.urls import normalize_database_url

        if self.database_url:
            return normalize_database_url(self.database_url)
        return self._default_database_url()

    def _default_database_url(self) -> str:
        return f"sqlite+aiosqlite:///{(self.bot_data_dir / 'esign-bot.sqlite3').as_posix()}"


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's report into one line that names the variable."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err["loc"] else "settings"
        message = str(err["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{name}: {message}") from None
    if not settings.demo_mode and settings.pii_secret is None:
        raise SettingsError(
            "PII_SECRET: required when BOT_TOKEN is set (phone numbers are hashed with it)"
        )
    if settings.webhook_url and settings.webhook_secret is None:
        raise SettingsError("WEBHOOK_SECRET: required when WEBHOOK_URL is set")
    if settings.webhook_url:
        _check_webhook_url(settings.webhook_url)
    if settings.webapp_url:
        _check_webapp_url(settings)
    # Validate the URL now so a typo stops the start with its own line, not a driver traceback.
    try:
        settings.resolved_database_url()
    except ValueError as exc:
        raise SettingsError(f"DATABASE_URL: {exc}") from None
    return settings


def _check_webhook_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError("WEBHOOK_URL: expected an https:// URL (http:// for a local Bot API)")
    if (parts.path or "/") in RESERVED_WEBHOOK_PATHS:
        raise SettingsError(f"WEBHOOK_URL: the path {parts.path} is the server's own; use another")


def _check_webapp_url(settings: Settings) -> None:
    url = settings.webapp_url or ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError("WEBAPP_URL: expected the page's https:// address")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise SettingsError(
            "WEBAPP_URL: Telegram opens only https:// pages; http:// is for this machine "
            "(127.0.0.1, localhost), for the demo and tests"
        )
    if parts.query or parts.fragment:
        raise SettingsError("WEBAPP_URL: no ?query or #fragment: the bot adds the language itself")
    path = parts.path or "/"
    taken = set(RESERVED_WEBHOOK_PATHS)
    if settings.webhook_url:
        taken.add(urlsplit(settings.webhook_url).path or "/")
    if path in taken:
        raise SettingsError(f"WEBAPP_URL: the path {path} is taken by the webhook server")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
