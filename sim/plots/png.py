"""A rendered figure as PNG bytes, written here rather than by Pillow.

Pillow filters each row of an image five ways to keep the best (adaptive filtering), which
took more time than compressing it: two thirds of the time of writing a run's six plots.
These plots are large areas of one colour, which zlib compresses as well unfiltered: every
row is stored with filter type 0, in a third of the time, and at zlib level 3 the files are
still a little smaller than Pillow's at its default level 6. The pixels are the same.

PNG: https://www.w3.org/TR/png-3/ (signature, IHDR, pHYs, tEXt, IDAT and IEND chunks).
"""

import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
COMPRESS_LEVEL = 3
RGB, RGBA = 2, 6  # PNG colour types, 8 bits per channel
INCH = 0.0254  # metres: pHYs gives pixels per metre


def encode(rgba: np.ndarray, dpi: float, software: str) -> bytes:
    """PNG bytes of an (height, width, 4) array of 8-bit RGBA pixels; RGB when every pixel is
    opaque (the same picture, a quarter less to compress)."""
    height, width, _ = rgba.shape
    opaque = bool((rgba[..., 3] == 255).all())
    pixels = rgba[..., :3] if opaque else rgba
    rows = np.empty((height, 1 + width * pixels.shape[2]), dtype=np.uint8)
    rows[:, 0] = 0  # each row's filter type: None
    rows[:, 1:].reshape(pixels.shape)[...] = pixels  # a view of the rows: one copy
    per_metre = round(dpi / INCH)
    header = struct.pack(">IIBBBBB", width, height, 8, RGB if opaque else RGBA, 0, 0, 0)
    return b"".join(
        [
            SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
            _chunk(b"tEXt", b"Software\0" + software.encode("latin-1", "replace")),
            _chunk(b"IDAT", zlib.compress(rows, COMPRESS_LEVEL)),
            _chunk(b"IEND", b""),
        ]
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    """One chunk: its length, type, data and the CRC of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
