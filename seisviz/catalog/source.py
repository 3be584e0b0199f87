"""From a path, bytes or an upload to the file's bytes and text; refuse what is not text."""

from __future__ import annotations

from typing import BinaryIO
import io
import os
from dataclasses import dataclass, field
from functools import cached_property

from seisviz.catalog.options import LoadOptions
from seisviz.errors import CatalogError

EXPECTED = ("expected CSV, ZMAP, hypoDD .reloc, QuakeML or a CENC export (CSV, .xls or "
            ".xlsx)")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # an old Office file: Excel .xls (CENC's export), or Word

_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive; unzip it first"),
    (b"BZh", "a bzip2 archive; unzip it first"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive; unzip it first"),
    (b"Rar!", "a RAR archive; unzip it first"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x7fELF", "a program"),
    (b"PAR1", "a Parquet file"),
]


@dataclass
class Payload:
    """One file as read: its bytes, the name messages call it, and what the user told."""

    data: bytes
    name: str
    options: LoadOptions = field(default_factory=LoadOptions)

    @property
    def is_zip(self) -> bool:
        return self.data[:4] == ZIP_MAGIC

    @property
    def is_workbook(self) -> bool:
        """An Excel workbook, .xlsx (a zip) or .xls (an old Office file)."""
        return self.is_zip or self.data[:4] == OLE_MAGIC

    @cached_property
    def text(self) -> str:
        """The decoded text (raises CatalogError for binary data)."""
        return decode(self.data, self.name)

    def sample(self) -> str | bytes:
        """What format sniffers look at: the text, or the bytes of a zip (a workbook)."""
        return self.data[:8] if self.is_workbook else self.text


def read_source(source: str | os.PathLike | bytes | BinaryIO, name: str | None,
                max_bytes: int | None) -> tuple[bytes, str]:
    """(bytes, name) of a path, bytes or binary file object; refuses missing, empty and
    oversized files with a one-line CatalogError."""
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        name = name or path
        if not os.path.exists(path):
            raise CatalogError(f"{name}: file not found")
        if os.path.isdir(path):
            raise CatalogError(f"{name}: is a folder, not a catalog file")
        _check_size(os.path.getsize(path), max_bytes, name)
        with open(path, "rb") as f:
            data = f.read()
    elif isinstance(source, (bytes, bytearray, memoryview)):
        name = name or "uploaded catalog"
        _check_size(len(source), max_bytes, name)
        data = bytes(source)
    elif hasattr(source, "read"):
        name = name or getattr(source, "name", None) or "uploaded catalog"
        name = os.fspath(name) if isinstance(name, os.PathLike) else str(name)
        size = _stream_size(source)
        if size is not None:
            _check_size(size, max_bytes, name)
        data = source.read(max_bytes + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
        _check_size(len(data), max_bytes, name)
    else:
        raise TypeError(f"load_catalog: expected a path, bytes or a file object, got {type(source).__name__}")
    if not data.strip():
        raise CatalogError(f"{name}: empty file")
    return data, name


def _stream_size(stream):
    """Bytes in the stream (from the start: the stream is the whole file), or None."""
    if hasattr(stream, "getbuffer"):
        try:
            stream.seek(0)
            return stream.getbuffer().nbytes
        except (ValueError, OSError):
            pass
    try:
        if stream.seekable():
            stream.seek(0, io.SEEK_END)
            size = stream.tell()
            stream.seek(0)
            return size
    except (AttributeError, OSError, ValueError):
        pass
    return None


def _human_bytes(n):
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} bytes" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def _check_size(size, max_bytes, name):
    if max_bytes is not None and size > max_bytes:
        raise CatalogError(f"{name}: file is {_human_bytes(size)}, larger than the "
                           f"{_human_bytes(max_bytes)} limit (max_bytes)")


def decode(data: bytes, name: str) -> str:
    """bytes -> str (UTF-8, UTF-16 with BOM, or GBK/GB18030); refuse binary data."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise CatalogError(f"{name}: not a text file ({what}); {EXPECTED}")
    if data[:4] == ZIP_MAGIC:
        raise CatalogError(f"{name}: not a text file (a zip archive); {EXPECTED}")
    if data[:4] == OLE_MAGIC:
        raise CatalogError(f"{name}: not a text file (an Excel .xls or other Office file: "
                           f"read it as format auto or cenc); {EXPECTED}")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise CatalogError(f"{name}: not a text file (bad UTF-16); {EXPECTED}") from None
    if b"\x00" in data[:65536]:
        raise CatalogError(f"{name}: not a text file (binary data); {EXPECTED}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise CatalogError(f"{name}: not a text file (neither UTF-8 nor GBK text); "
                               f"{EXPECTED}") from None
    if "\n" not in text[:200_000] and "\r" in text[:200_000]:
        text = text.replace("\r", "\n")  # classic Mac line ends
    head = text[:65536]
    control = sum(1 for c in head if c < " " and c not in "\t\n\r\f\v")
    if control > max(8, len(head) // 100):
        raise CatalogError(f"{name}: not a text file (binary data); {EXPECTED}")
    return text
