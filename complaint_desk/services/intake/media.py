"""What an uploaded file is, judged by its content (never its name or declared type), and the
copies of it that are stored: an image re-encoded without EXIF (GPS and camera data) or any
other metadata, a web-sized copy and a thumbnail; a PDF as it came. Pure: bytes in, bytes
out, no I/O beyond the file object handed in."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO, Final

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

pillow_heif.register_heif_opener()
MAX_PIXELS: Final = 60_000_000  # a 60-megapixel photo; more is a decompression bomb
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's guard, set once for the process

# Every type the desk can recognise; settings choose among these (never HTML or SVG: the
# browser would run them).
KNOWN_TYPES: Final = frozenset(
    {"image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf"}
)
IMAGE_FORMATS: Final = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
WEB_SIZE, THUMB_SIZE = 1600, 320
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


class UnsupportedFile(ValueError):
    """The content is not one of the allowed types (whatever its name says)."""

    def __init__(self, detected: str | None) -> None:
        super().__init__(detected or "unknown")
        self.detected = detected


@dataclass(frozen=True)
class Prepared:
    """What is stored of one upload: the media type, and for an image its cleaned copies
    (for a PDF, ``original`` is None: the upload itself is stored, as it came)."""

    media_type: str
    original: bytes | None = None
    web: bytes | None = None
    thumb: bytes | None = None


def sniff(head: bytes) -> str | None:
    """The type the first bytes say, or None."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "image/heic"
    return None


def prepare(file: BinaryIO, allowed: frozenset[str]) -> Prepared:
    """Recognise the file and make its stored copies; raises :class:`UnsupportedFile`."""
    file.seek(0)
    detected = sniff(file.read(32))
    file.seek(0)
    if detected is None or detected not in allowed:
        raise UnsupportedFile(detected)
    if detected == "application/pdf":
        return Prepared(detected)
    return _image(file, detected)


def _image(file: BinaryIO, detected: str) -> Prepared:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as opened:
                opened.load()
                # Turned as the camera held it, then nothing of the camera's metadata kept.
                image = ImageOps.exif_transpose(opened)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UnsupportedFile(detected) from exc
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise UnsupportedFile(detected) from exc
    image.info = {}
    # A HEIC photo from an iPad is kept as JPEG: every browser shows that.
    media_type = "image/jpeg" if detected == "image/heic" else detected
    original = _encode(image, IMAGE_FORMATS[media_type])
    return Prepared(
        media_type,
        original=original,
        web=_encode(_fit(image, WEB_SIZE), "JPEG"),
        thumb=_encode(_fit(image, THUMB_SIZE), "JPEG"),
    )


def _fit(image: Image.Image, size: int) -> Image.Image:
    copy = image.copy()
    copy.thumbnail((size, size))
    return copy


def _encode(image: Image.Image, fmt: str) -> bytes:
    """The image alone: no EXIF, ICC, XMP or comment is written (``info`` is cleared and
    none is passed). JPEG at quality 90: a re-encoding is the price of a clean copy."""
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        image = flat
    image.info = {}
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    return out.getvalue()
