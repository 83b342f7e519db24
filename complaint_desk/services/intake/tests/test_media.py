"""Uploads judged by their content: photos are stored without EXIF (no GPS), turned as the
camera held them, with web and thumbnail copies; anything disguised is refused."""

import io
import struct
import zlib

import pillow_heif
import pytest
from PIL import Image

from complaint_desk.services.intake.media import KNOWN_TYPES, UnsupportedFile, prepare, sniff

GPS_IFD = 0x8825


def photo_with_gps(
    fmt: str = "JPEG",
    size: tuple[int, int] = (2400, 1200),
    color: tuple[int, int, int] = (200, 30, 30),
) -> bytes:
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotated 90° clockwise
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (25.0, 2.0, 30.0), 3: "E", 4: (121.0, 33.0, 0.0)})
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


def test_a_photo_keeps_no_exif_no_gps_and_is_turned_upright() -> None:
    raw = photo_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(GPS_IFD), "the upload has a location"
    prepared = prepare(io.BytesIO(raw), KNOWN_TYPES)
    assert prepared.media_type == "image/jpeg"
    for copy in (prepared.original, prepared.web, prepared.thumb):
        assert copy is not None
        stored = Image.open(io.BytesIO(copy))
        assert not stored.getexif(), "no EXIF at all in any stored copy"
        assert b"Exif" not in copy and b"PhoneMaker" not in copy
    assert Image.open(io.BytesIO(prepared.original or b"")).size == (1200, 2400), "upright"
    assert max(Image.open(io.BytesIO(prepared.web or b"")).size) == 1600
    assert max(Image.open(io.BytesIO(prepared.thumb or b"")).size) == 320


def test_the_same_photo_prepares_to_the_same_bytes() -> None:
    raw = photo_with_gps(size=(640, 480))
    assert prepare(io.BytesIO(raw), KNOWN_TYPES) == prepare(io.BytesIO(raw), KNOWN_TYPES)


def test_png_and_webp_keep_their_type_without_metadata() -> None:
    for fmt, media_type in (("PNG", "image/png"), ("WEBP", "image/webp")):
        prepared = prepare(io.BytesIO(photo_with_gps(fmt, (300, 200))), KNOWN_TYPES)
        assert prepared.media_type == media_type
        assert not Image.open(io.BytesIO(prepared.original or b"")).getexif()


def test_heic_from_an_ipad_is_kept_as_jpeg() -> None:
    out = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (400, 300), "blue")).save(out, quality=80)
    assert sniff(out.getvalue()[:32]) == "image/heic"
    prepared = prepare(out, KNOWN_TYPES)
    assert prepared.media_type == "image/jpeg"
    assert Image.open(io.BytesIO(prepared.original or b"")).format == "JPEG"


def test_a_pdf_is_recognised_by_its_signature_and_stored_as_it_came() -> None:
    assert prepare(io.BytesIO(b"%PDF-1.7\n..."), KNOWN_TYPES).original is None
    assert prepare(io.BytesIO(b"%PDF-1.7\n..."), KNOWN_TYPES).media_type == "application/pdf"


@pytest.mark.parametrize(
    ("content", "detected"),
    [
        (b"MZ\x90\x00\x03" + b"\x00" * 100, None),  # a Windows executable named photo.jpg
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", None),
        (b"<!doctype html><script>alert(1)</script>", None),
        (b"\xff\xd8\xff\xe0 not really a jpeg at all", "image/jpeg"),
    ],
)
def test_disguised_or_broken_files_are_refused(content: bytes, detected: str | None) -> None:
    with pytest.raises(UnsupportedFile) as refused:
        prepare(io.BytesIO(content), KNOWN_TYPES)
    assert refused.value.detected == detected


def test_a_type_the_settings_do_not_allow_is_refused() -> None:
    with pytest.raises(UnsupportedFile):
        prepare(io.BytesIO(b"%PDF-1.7\n"), frozenset({"image/jpeg"}))


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    small = io.BytesIO()
    Image.new("L", (8, 8)).save(small, "PNG")
    png = bytearray(small.getvalue())
    # The header claims 20000 × 20000 pixels: 400 million, far past the limit.
    ihdr = struct.pack(">II", 20_000, 20_000) + png[24:29]
    png[16:29] = ihdr
    png[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    with pytest.raises(UnsupportedFile):
        prepare(io.BytesIO(bytes(png)), KNOWN_TYPES)
