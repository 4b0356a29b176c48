"""Image validation and re-encoding with Pillow, for avatars and image attachments
(synchronous: call it from a thread)."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = frozenset({"PNG", "JPEG", "WEBP", "GIF"})
EXTENSIONS = {
    "png": "PNG",
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "jfif": "JPEG",
    "webp": "WEBP",
    "gif": "GIF",
}
OUTPUT_FORMAT = "WEBP"
OUTPUT_EXTENSION = "webp"
OUTPUT_CONTENT_TYPE = "image/webp"


class ImageRejected(ValueError):
    """The upload is not an acceptable image; the message says why (safe to show)."""


@dataclass(frozen=True)
class ProcessedImage:
    image: bytes
    thumbnail: bytes
    width: int
    height: int


def check_filename(filename: str | None) -> str | None:
    """The format a file name claims (None when it has no extension); unknown ones are refused."""
    if not filename or "." not in filename:
        return None
    extension = filename.rsplit(".", 1)[1].lower()
    if extension not in EXTENSIONS:
        raise ImageRejected("Only .png, .jpg, .jpeg, .webp and .gif files are accepted")
    return EXTENSIONS[extension]


def process_image(
    data: bytes,
    *,
    max_pixels: int,
    max_side: int,
    thumb_side: int,
    filename: str | None = None,
) -> ProcessedImage:
    """Decode a PNG, JPEG, WebP or GIF (first frame), re-encode it without metadata.

    The pixel count is checked from the header before any pixel is decoded, so a
    decompression bomb costs nothing. A file name whose extension names another format
    than the content is refused. Raises `ImageRejected`.
    """
    claimed = check_filename(filename)
    if not data:
        raise ImageRejected("The file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=sorted(ALLOWED_FORMATS)) as source:
                if claimed is not None and source.format != claimed:
                    raise ImageRejected("The file extension does not match the image format")
                width, height = source.size
                if width < 1 or height < 1 or width * height > max_pixels:
                    raise ImageRejected(f"Images may have at most {max_pixels} pixels")
                source.seek(0)
                source.load()
                frame = ImageOps.exif_transpose(source)
                image = _normalized(frame)
    except ImageRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("Not a PNG, JPEG, WebP or GIF image") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # truncated or corrupt data
        raise ImageRejected("The image is damaged or truncated") from exc
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    thumb = image.copy()
    thumb.thumbnail((thumb_side, thumb_side), Image.Resampling.LANCZOS)
    return ProcessedImage(_encode(image), _encode(thumb), image.width, image.height)


def _normalized(image: Image.Image) -> Image.Image:
    has_alpha = image.mode in {"RGBA", "LA", "PA"} or (
        image.mode == "P" and "transparency" in image.info
    )
    return image.convert("RGBA" if has_alpha else "RGB")


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, OUTPUT_FORMAT, quality=85, method=4)
    return out.getvalue()
