"""Checking and cleaning uploaded files before they are stored.

Photos are decoded with Pillow (which refuses decompression bombs), turned upright, resized
to at most 2048 px, re-encoded without EXIF/GPS, and get a 320 px thumbnail. PDFs and plain
text are accepted as they are after a signature check. Anything else is refused.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from baton.core.errors import ValidationFailed

Image.MAX_IMAGE_PIXELS = 50_000_000
MAX_EDGE = 2048
THUMB_EDGE = 320
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


@dataclass(frozen=True)
class CleanFile:
    name: str
    content: bytes
    content_type: str
    thumbnail: bytes | None = None
    width: int | None = None
    height: int | None = None


def _safe_name(name: str, extension: str) -> str:
    stem = "".join(ch for ch in (name or "file").rsplit(".", 1)[0] if ch.isalnum() or ch in "-_ ")[:80]
    return f"{stem.strip() or 'file'}.{extension}"


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    else:
        image.save(out, fmt)
    return out.getvalue()


def clean_upload(name: str, data: bytes) -> CleanFile:
    limit = settings.BATON_ATTACHMENT_MAX_BYTES
    if not data:
        raise ValidationFailed("The file is empty.", fields={"file": ["empty"]})
    if len(data) > limit:
        raise ValidationFailed(
            f"The file is larger than {limit // (1024 * 1024)} MB.", fields={"file": ["too large"]}
        )
    if data.startswith(b"%PDF-"):
        return CleanFile(_safe_name(name, "pdf"), data, "application/pdf")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            probe.verify()
        if fmt not in IMAGE_FORMATS:
            raise ValidationFailed(
                f"Image type {fmt or 'unknown'} is not accepted.", fields={"file": ["type"]}
            )
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            out_fmt = "PNG" if fmt in {"PNG", "GIF"} else "JPEG"
            if upright.mode not in ("RGB", "RGBA", "L", "P"):
                upright = upright.convert("RGB")
            upright.thumbnail((MAX_EDGE, MAX_EDGE))
            main = _encode(upright.copy(), out_fmt)
            thumb_image = upright.copy()
            thumb_image.thumbnail((THUMB_EDGE, THUMB_EDGE))
            thumb = _encode(thumb_image, "JPEG")
            width, height = upright.size
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        if _looks_like_text(data):
            return CleanFile(_safe_name(name, "txt"), data, "text/plain")
        raise ValidationFailed(
            "Only photos (JPEG, PNG, WebP, GIF), PDF and plain text files are accepted.",
            fields={"file": ["type"]},
        ) from None
    extension = "png" if out_fmt == "PNG" else "jpg"
    return CleanFile(
        _safe_name(name, extension),
        main,
        IMAGE_FORMATS[out_fmt],
        thumbnail=thumb,
        width=width,
        height=height,
    )


def _looks_like_text(data: bytes) -> bool:
    if b"\x00" in data[:4096]:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
