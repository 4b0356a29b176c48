"""QR code images."""

from __future__ import annotations

import io

import qrcode


def png(text: str) -> bytes:
    """A PNG of `text` as a QR code (CPU work: call it from a thread)."""
    buffer = io.BytesIO()
    qrcode.make(text, box_size=8, border=2).save(buffer)
    return buffer.getvalue()
