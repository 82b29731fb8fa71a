"""Turn what a user typed (URL, file, OPML, bytes) into feed bytes.

.. warning::

   This module is the *trusted* entry point: it opens local files because
   the person running feedkit asked it to.  Never hand it strings that came
   from feed content, HTTP responses or other untrusted input — use
   :meth:`feedkit.fetch.http.Fetcher.fetch` (http(s) only) for those.
   :func:`feedkit.parse_feed` never opens anything: it only parses bytes.

:func:`load_source` accepts

* an ``http://`` or ``https://`` URL — fetched with the given
  :class:`~feedkit.fetch.http.Fetcher` (or a default one);
* a local path (``str`` or :class:`os.PathLike`) or a ``file:`` URI — read
  from disk under the same size cap as HTTP bodies; the result's ``url`` and
  ``final_url`` are the absolute ``file://`` URI of the file, and
  ``last_modified`` is the file's modification time as an HTTP date, so
  passing it back gives a ``not_modified`` result while the file is unchanged;
* raw ``bytes`` — wrapped as they are, with ``url`` set to the ``url=``
  argument (default ``"about:feed"``, the same default as ``parse_feed``).

Anything else (``ftp:``, ``javascript:``, ``data:``, an empty string, a
missing file) raises :class:`~feedkit.errors.SourceError`.

:func:`expand_sources` turns command-line arguments into a flat list of
sources, replacing each OPML file (``.opml`` extension or an ``<opml>`` root)
by the feed URLs it lists.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Sequence
from email.utils import formatdate
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from ..errors import ResponseTooLarge, SourceError
from ..model import FetchResult
from .http import DEFAULT_MAX_BYTES, Fetcher
from .opml import parse_opml

__all__ = ["RAW_SOURCE_URL", "expand_sources", "is_opml", "load_source"]

log = logging.getLogger(__name__)

#: The ``url`` given to raw-bytes sources unless the caller names one.
RAW_SOURCE_URL = "about:feed"

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_OPML_HEAD = re.compile(
    rb"^\s*(?:<\?xml[^>]*\?>\s*)?(?:(?:<!--.*?-->|<!DOCTYPE[^>]*>|<\?[^>]*\?>)\s*)*<opml\b",
    re.IGNORECASE | re.DOTALL,
)

Source = str | bytes | bytearray | memoryview | os.PathLike[str]


def _scheme(text: str) -> str | None:
    """The URL scheme of ``text``; ``None`` for paths (incl. ``C:\\`` drive letters)."""
    match = _SCHEME.match(text)
    if match is None or len(match.group(1)) == 1:
        return None
    return match.group(1).lower()


def _file_uri_path(uri: str) -> Path:
    parts = urlsplit(uri)
    if parts.netloc not in ("", "localhost"):
        raise SourceError(f"file URI with a remote host: {uri[:200]!r}")
    return Path(url2pathname(unquote(parts.path)))


def _as_path(source: str | os.PathLike[str]) -> Path | None:
    """A local path for ``source``, or ``None`` when it is an http(s) URL."""
    if isinstance(source, os.PathLike):
        return Path(os.fspath(source))
    text = source.strip()
    if not text:
        raise SourceError("empty source")
    scheme = _scheme(text)
    if scheme in ("http", "https"):
        return None
    if scheme == "file":
        return _file_uri_path(text)
    if scheme is not None:
        raise SourceError(f"unsupported source scheme {scheme!r} in {text[:200]!r}")
    return Path(source)


def _read_file(path: Path, max_bytes: int) -> tuple[bytes, os.stat_result]:
    hint = ""
    if not path.is_absolute() and "/" in str(path) and "." in str(path).split("/", 1)[0]:
        hint = " (a URL needs http:// or https://)"
    try:
        with path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise SourceError(f"not a regular file: {str(path)[:200]!r}")
            if info.st_size > max_bytes:
                raise ResponseTooLarge(
                    f"{str(path)[:200]!r} is over the {max_bytes}-byte cap", limit=max_bytes
                )
            data = handle.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise SourceError(f"no such file: {str(path)[:200]!r}{hint}") from exc
    except IsADirectoryError as exc:
        raise SourceError(f"is a directory: {str(path)[:200]!r}") from exc
    except OSError as exc:
        raise SourceError(f"cannot read {str(path)[:200]!r}: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise ResponseTooLarge(
            f"{str(path)[:200]!r} is over the {max_bytes}-byte cap", limit=max_bytes
        )
    return data, info


def _read_head(path: Path, size: int = 4096) -> bytes:
    try:
        with path.open("rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise SourceError(f"not a regular file: {str(path)[:200]!r}")
            return handle.read(size)
    except FileNotFoundError as exc:
        raise SourceError(f"no such file: {str(path)[:200]!r}") from exc
    except OSError as exc:
        raise SourceError(f"cannot read {str(path)[:200]!r}: {exc.strerror or exc}") from exc


def load_source(
    source: Source,
    *,
    fetcher: Fetcher | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    url: str | None = None,
    max_bytes: int | None = None,
) -> FetchResult:
    """Load one source (URL, local path / ``file:`` URI, or raw bytes).

    ``etag`` / ``last_modified`` make the request conditional (for files,
    ``last_modified`` is compared with the file's modification time).
    ``max_bytes`` caps a file (default: the fetcher's cap, else 16 MiB).
    ``url`` names a raw-bytes source.  Raises
    :class:`~feedkit.errors.SourceError` for an unusable source and the
    fetcher's :class:`~feedkit.errors.FetchError` subclasses for URLs.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        name = url or RAW_SOURCE_URL
        content = bytes(source)
        return FetchResult(
            url=name,
            final_url=name,
            status=200,
            content=content,
            headers={"content-length": str(len(content))},
        )
    if not isinstance(source, str | os.PathLike):
        raise SourceError(f"unsupported source type {type(source).__name__}")
    path = _as_path(source)
    if path is None:  # an http(s) URL string
        target = os.fspath(source).strip()
        if fetcher is not None:
            return fetcher.fetch(target, etag=etag, last_modified=last_modified)
        with Fetcher() as own:
            return own.fetch(target, etag=etag, last_modified=last_modified)
    cap = (
        max_bytes
        if max_bytes is not None
        else (fetcher.max_bytes if fetcher is not None else DEFAULT_MAX_BYTES)
    )
    data, info = _read_file(path, cap)
    uri = path.resolve().as_uri()
    modified = formatdate(info.st_mtime, usegmt=True)
    headers = {"last-modified": modified, "content-length": str(len(data))}
    if last_modified is not None and last_modified == modified:
        return FetchResult(
            url=uri,
            final_url=uri,
            status=304,
            content=None,
            headers=headers,
            last_modified=modified,
            not_modified=True,
        )
    return FetchResult(
        url=uri,
        final_url=uri,
        status=200,
        content=data,
        headers=headers,
        last_modified=modified,
    )


def is_opml(data: bytes, name: str | None = None) -> bool:
    """True when ``name`` ends in ``.opml`` or ``data`` starts with an ``<opml>`` root (pure)."""
    if name is not None and name.lower().endswith(".opml"):
        return True
    head = data[:4096]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return _OPML_HEAD.match(head) is not None


def expand_sources(
    args: Sequence[str | os.PathLike[str]],
    *,
    strict: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[str]:
    """Flatten URLs, feed files and OPML files into a list of sources.

    http(s) URLs pass through (remote OPML is not fetched); a feed file
    stays as the path given; an OPML file is replaced by the http(s) feed
    URLs it lists.  OPML entries with another scheme (``file:``, ``ftp:``,
    relative paths ...) are skipped with a logged warning — an OPML file can
    come from anywhere and must not make feedkit read local files — or,
    with ``strict=True``, raise :class:`~feedkit.errors.SourceError`.  The
    result is de-duplicated, first occurrence kept.
    """
    out: dict[str, None] = {}
    for arg in args:
        path = _as_path(arg)
        text = os.fspath(arg).strip() if isinstance(arg, str) else os.fspath(arg)
        if path is None:
            out.setdefault(text, None)
            continue
        if not is_opml(_read_head(path), path.name):
            out.setdefault(text, None)
            continue
        data, _info = _read_file(path, max_bytes)
        for outline in parse_opml(data):
            if _scheme(outline.url) in ("http", "https"):
                out.setdefault(outline.url, None)
            elif strict:
                raise SourceError(f"OPML {path.name!r} lists a non-http(s) source {outline.url!r}")
            else:
                log.warning("skipping non-http(s) OPML entry %r in %s", outline.url, path)
    return list(out)
