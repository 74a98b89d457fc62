"""One typed settings object, read once at start-up from the environment and an optional file.

Precedence: environment variables over the YAML file over defaults. The token is wrapped in
``Secret`` so that it never shows in a repr, a log line or a traceback's locals.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.ops.shards import ShardPlan
from bot.storage.url import backend_of

DISCORD_API_BASE = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
HEALTH_DEFAULT = "127.0.0.1:8080"

# file key -> environment variable
_FILE_KEYS = {
    "token_file": "DISCORD_TOKEN_FILE",
    "db": "DRILLBOT_DB",
    "db_file": "DRILLBOT_DB_FILE",
    "content": "DRILLBOT_CONTENT",
    "api_base": "DISCORD_API_BASE",
    "gateway_url": "DISCORD_GATEWAY_URL",
    "log_level": "DRILLBOT_LOG_LEVEL",
    "log_format": "DRILLBOT_LOG_FORMAT",
    "health": "DRILLBOT_HEALTH",
    "shard_count": "DRILLBOT_SHARD_COUNT",
    "shards": "DRILLBOT_SHARDS",
    "web": "DRILLBOT_WEB",
    "web_url": "DRILLBOT_WEB_URL",
    "message_content": "DRILLBOT_MESSAGE_CONTENT",
}
# Whether `run` asks Discord for the privileged Message Content intent (typed thread answers
# need it; the Answer button does not): auto asks and, if Discord refuses (close 4014), starts
# again without it; require exits 8 instead; off never asks.
MESSAGE_CONTENT = ("auto", "require", "off")


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line meant for the operator."""


class TokenError(ConfigError):
    """The token is missing or its file unreadable: exit 3 (README, Operations), not 2."""


class Secret:
    """A string that refuses to be printed."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True)
class Settings:
    token: Secret | None = field(default=None)
    db_path: Path = Path("drillbot.sqlite3")
    # A postgresql:// URL (it may carry a password, hence Secret); None: SQLite at db_path.
    db_url: Secret | None = None
    content_dir: Path | None = None  # None = the packaged content/
    api_base: str = DISCORD_API_BASE
    gateway_url: str = DISCORD_GATEWAY_URL
    log_level: str = "INFO"
    log_format: str = "text"
    # The health and metrics server; port 0 turns it off.
    health_host: str = "127.0.0.1"
    health_port: int = 8080
    # Which shards this process runs (bot/ops/shards.py); the default is one unsharded process.
    shards: ShardPlan = field(default_factory=ShardPlan)
    # The web board (bot/web/): its address (port None: off) and the public base URL its
    # links start with (behind a proxy); without one, links point at the address itself.
    web_host: str = "127.0.0.1"
    web_port: int | None = None
    web_url: str | None = None
    message_content: str = "auto"

    @property
    def web_base(self) -> str | None:
        """Where /board links point, or None when the web board is off."""
        if self.web_port is None:
            return None
        return self.web_url or f"http://{self.web_host}:{self.web_port}"

    @property
    def store_url(self) -> str:
        """What ``open_store`` opens: the PostgreSQL URL if set, else the SQLite file."""
        return self.db_url.reveal() if self.db_url else str(self.db_path)

    def require_token(self) -> Secret:
        if not self.token:
            raise TokenError(
                "no bot token: set DISCORD_TOKEN or DISCORD_TOKEN_FILE (a file holding the token)"
            )
        return self.token

    @classmethod
    def load(
        cls, env: Mapping[str, str] | None = None, config_file: Path | None = None
    ) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, str] = {}
        if config_file is not None:
            values.update(_read_file(config_file))
        for key, var in _FILE_KEYS.items():
            if env.get(var):
                values[key] = env[var]
        if env.get("DRILLBOT_DB") and env.get("DRILLBOT_DB_FILE"):
            # Both set is how the image's DRILLBOT_DB once hid the compose file's secret and
            # ran every shard on its own SQLite file: refuse rather than pick one silently.
            raise ConfigError("DRILLBOT_DB and DRILLBOT_DB_FILE are both set; set only one of them")
        if values.get("db_file") and not env.get("DRILLBOT_DB"):
            # A file holding the URL, as Docker secrets mount it: the password stays out of
            # the environment and the compose file.
            values["db"] = _read_secret_file(Path(values["db_file"]), "DRILLBOT_DB_FILE")
            if not values["db"]:
                raise ConfigError(f"DRILLBOT_DB_FILE {values['db_file']} is empty")
        token = env.get("DISCORD_TOKEN") or None
        if token is None and values.get("token_file"):
            token = _read_token_file(Path(values["token_file"]))
        level = values.get("log_level", "INFO").upper()
        if level not in LOG_LEVELS:
            raise ConfigError(f"log level must be one of {', '.join(LOG_LEVELS)} (got {level!r})")
        log_format = values.get("log_format", "text").lower()
        if log_format not in LOG_FORMATS:
            raise ConfigError(
                f"log format must be one of {', '.join(LOG_FORMATS)} (got {log_format!r})"
            )
        health_host, health_port = parse_address(values.get("health", HEALTH_DEFAULT))
        try:
            db_kind, db_where = backend_of(values.get("db", "drillbot.sqlite3"))
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        try:
            shards = ShardPlan.parse(values.get("shard_count"), values.get("shards"))
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        web_host, web_port = web_address(values.get("web"))
        web_url = values.get("web_url") or None
        if web_url is not None and not web_url.startswith(("http://", "https://")):
            raise ConfigError(f"DRILLBOT_WEB_URL must be an http(s) URL (got {web_url!r})")
        message_content = values.get("message_content", "auto").strip().lower()
        if message_content not in MESSAGE_CONTENT:
            raise ConfigError(
                f"DRILLBOT_MESSAGE_CONTENT must be one of {', '.join(MESSAGE_CONTENT)}"
                f" (got {message_content!r})"
            )
        for key in ("api_base", "gateway_url"):
            if key in values and "://" not in values[key]:
                raise ConfigError(f"{_FILE_KEYS[key]} must be a URL (got {values[key]!r})")
        return cls(
            token=Secret(token.strip()) if token else None,
            db_path=Path(db_where) if db_kind == "sqlite" else Path("drillbot.sqlite3"),
            db_url=Secret(db_where) if db_kind == "postgresql" else None,
            content_dir=Path(values["content"]) if values.get("content") else None,
            api_base=values.get("api_base", DISCORD_API_BASE).rstrip("/"),
            gateway_url=values.get("gateway_url", DISCORD_GATEWAY_URL),
            log_level=level,
            log_format=log_format,
            health_host=health_host,
            health_port=health_port,
            shards=shards,
            web_host=web_host,
            web_port=web_port,
            web_url=web_url.rstrip("/") if web_url else None,
            message_content=message_content,
        )


def parse_address(text: str) -> tuple[str, int]:
    """``host:port`` (or a bare ``port``) for the health server; port 0 turns it off."""
    host, sep, port = text.strip().rpartition(":")
    if not sep:
        host, port = "127.0.0.1", text.strip()
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"DRILLBOT_HEALTH must be host:port with port 0-65535 (got {text!r})")
    return host, int(port)


def web_address(text: str | None) -> tuple[str, int | None]:
    """``DRILLBOT_WEB``: ``host:port`` (or a bare port) for the web board; unset or port 0: off."""
    if not text or not text.strip():
        return "127.0.0.1", None
    try:
        host, port = parse_address(text)
    except ConfigError:
        raise ConfigError(
            f"DRILLBOT_WEB must be host:port with port 0-65535 (got {text!r})"
        ) from None
    return host, port or None


def _read_file(path: Path) -> dict[str, str]:
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: config file is not valid YAML") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: config file must be a mapping of settings")
    if "token" in data:
        raise ConfigError(f"{path}: put the token in DISCORD_TOKEN or a token_file, not here")
    unknown = sorted(set(data) - set(_FILE_KEYS))
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(_FILE_KEYS)}"
        )
    return {k: str(v) for k, v in data.items() if v is not None}


def _read_token_file(path: Path) -> str:
    try:
        text = _read_secret_file(path, "DISCORD_TOKEN_FILE")
    except ConfigError as exc:
        raise TokenError(str(exc)) from None
    if not text:
        raise TokenError(f"DISCORD_TOKEN_FILE {path} is empty; put the bot token in it")
    return text


def _read_secret_file(path: Path, var: str) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except PermissionError as exc:
        advice = _unreadable(path)
        raise ConfigError(f"cannot read {var} {path}: {exc.strerror}; {advice}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {var} {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{var} {path} is not UTF-8 text") from None
    return text


def _unreadable(path: Path) -> str:
    """What to do about a secret file this process may not read. Compose without Swarm mounts
    a secret file with its owner and mode on the host, so a mode-600 file of the host's user
    is unreadable to the image's user 10001."""
    try:
        info = path.stat()
        owner = f"it belongs to uid {info.st_uid} with mode {info.st_mode & 0o777:o}"
    except OSError:
        owner = "it cannot be inspected"
    return (
        f"{owner} and drillbot runs as uid {os.getuid()}: on the host, chmod 644 the file "
        "(keep its folder secrets/ at 700) or chown it to 10001"
    )
