"""A bounds-checked big-endian byte reader, shared by every binary parser (WSQ streams, minutiae records).

Parsers of untrusted data read through :class:`BoundedReader`: a read past the end raises the parser's own
typed error (built by the ``truncated`` callback), never an ``IndexError`` or a silent short read.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["BoundedReader"]


class BoundedReader:
    """Sequential big-endian reads from ``data``; reading past the end raises ``truncated(reader, n)``.

    Parameters
    ----------
    data:
        The bytes to read.
    truncated:
        Builds the exception raised when ``n`` bytes are requested at :attr:`pos` but fewer remain (or ``n``
        is negative); it receives the reader, so it can name the position.

    Examples
    --------
    >>> r = BoundedReader(b"\\x00\\x10\\xff", lambda reader, n: ValueError(f"short at {reader.pos}"))
    >>> r.u16(), r.u8()
    (16, 255)
    >>> r.u8()
    Traceback (most recent call last):
    ...
    ValueError: short at 3
    """

    def __init__(self, data: bytes, truncated: Callable[[BoundedReader, int], Exception]) -> None:
        self.data, self.pos, self._truncated = data, 0, truncated

    @property
    def remaining(self) -> int:
        """Bytes left after :attr:`pos`."""
        return len(self.data) - self.pos

    def take(self, n: int) -> bytes:
        """The next ``n`` bytes."""
        if n < 0 or self.pos + n > len(self.data):
            raise self._truncated(self, n)
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        b = self.take(2)
        return b[0] << 8 | b[1]

    def u32(self) -> int:
        return int.from_bytes(self.take(4), "big")
