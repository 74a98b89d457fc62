"""Which backend a ``DRILLBOT_DB`` value names. Pure: config and storage both use it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

_PG_SCHEMES = ("postgresql://", "postgres://")


def backend_of(url: str | Path) -> tuple[str, str]:
    """("sqlite", path) for a file path or ``sqlite:///path``; ("postgresql", url) for
    ``postgresql://user:pass@host/db``. Any other scheme is refused.

    ``sqlite:///data/x.sqlite3`` is the absolute path ``/data/x.sqlite3``, as a file URL
    reads (the README's example; the image's WORKDIR is /data, so a relative reading would
    look for /data/data/). ``sqlite:////data/x.sqlite3`` (SQLAlchemy's spelling) is the same
    path; a relative file is written as a plain path."""
    text = str(url)
    if text.startswith(_PG_SCHEMES):
        return "postgresql", text
    if text.startswith("sqlite:///"):
        return "sqlite", "/" + text.removeprefix("sqlite:///").lstrip("/")
    if "://" in text:
        raise ValueError(
            f"DRILLBOT_DB: unknown scheme {text.split('://')[0]!r};"
            " use a file path, sqlite:///path or postgresql://user:pass@host/db"
        )
    return "sqlite", text


def redact(url: str | Path) -> str:
    """The URL fit for a log line or a message: any password replaced by ***."""
    text = str(url)
    parts = urlsplit(text)
    if parts.password is None:
        return text
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def describe(url: str | Path) -> str:
    """Where the data lives, for the start-up line: ``sqlite /abs/path`` or ``postgresql
    user@host:port/name`` (never the password)."""
    kind, where = backend_of(url)
    if kind == "sqlite":
        return f"sqlite {Path(where).resolve()}"
    parts = urlsplit(where)
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    name = parts.path.lstrip("/") or "(default database)"
    return f"postgresql {user}{parts.hostname or 'localhost'}{port}/{name}"
