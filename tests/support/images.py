"""Image bytes for avatar tests, made with Pillow."""

from __future__ import annotations

import io
import zipfile

from PIL import Image


def image_bytes(
    fmt: str = "PNG", size: tuple[int, int] = (64, 48), mode: str = "RGB", **save: object
) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "red" if mode != "1" else 0).save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {2: (55.0, 45.0, 0.0)}  # GPS
    return image_bytes("JPEG", exif=exif.tobytes())


def animated_gif() -> bytes:
    frames = [Image.new("P", (32, 32), color) for color in (1, 2, 3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    return out.getvalue()


def zip_file() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("evil.txt", "x" * 1000)
    return out.getvalue()


def huge_png(megapixels: int = 50) -> bytes:
    """A tiny file that decodes to `megapixels` million 1-bit pixels."""
    return image_bytes("PNG", size=(10_000, megapixels * 100), mode="1", optimize=True)
