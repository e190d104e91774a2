"""Image uploads: refuse pixel floods, re-encode (which drops EXIF, GPS and comments) and thumbnail."""
import io
from dataclasses import dataclass

from PIL import Image, ImageOps

from core.storage.sniff import GIF, JPEG, PNG, WEBP

PILLOW_FORMATS = {"JPEG": JPEG, "PNG": PNG, "GIF": GIF, "WEBP": WEBP}
# Only what the picture needs to look right; everything else in Image.info is metadata.
KEPT_INFO = ("transparency", "icc_profile")


class ImageRefused(Exception):
    def __init__(self, reason, **details):
        super().__init__(reason)
        self.reason, self.details = reason, details


@dataclass
class ProcessedImage:
    data: bytes
    width: int
    height: int
    thumbnail: bytes
    thumbnail_extension: str
    thumbnail_type: str


def process_image(stream, file_type, max_pixels, thumbnail_size):
    """Re-encode the image in stream (of the sniffed file_type); raises ImageRefused."""
    formats = [name for name, kind in PILLOW_FORMATS.items() if kind == file_type]
    try:
        with Image.open(stream, formats=formats) as image:
            # Image.open reads only the header: the size is known before any pixel is decoded.
            width, height = image.size
            if width * height > max_pixels:
                raise ImageRefused("too_many_pixels", width=width, height=height)
            image.seek(0)  # an animation keeps its first frame
            image.load()
            upright = ImageOps.exif_transpose(image)
        upright.info = {key: upright.info[key] for key in KEPT_INFO if key in upright.info}
        data = encode(upright, file_type)
        thumbnail, thumbnail_type = make_thumbnail(upright, thumbnail_size)
    except ImageRefused:
        raise
    except Image.DecompressionBombError as error:  # Pillow's own ceiling, should ours be set higher
        raise ImageRefused("too_many_pixels", width=0, height=0) from error
    except Exception as error:  # a hostile file can make a decoder fail in many ways; all mean "damaged"
        raise ImageRefused("damaged") from error
    return ProcessedImage(data, upright.width, upright.height, thumbnail, thumbnail_type.extension,
                          thumbnail_type.content_type)


def encode(image, file_type):
    out = io.BytesIO()
    if file_type is JPEG:
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=88, optimize=True, icc_profile=image.info.get("icc_profile"))
    elif file_type is WEBP:
        image.save(out, "WEBP", quality=88, icc_profile=image.info.get("icc_profile", b""))
    elif file_type is GIF:
        image.save(out, "GIF", optimize=True)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def has_alpha(image):
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def make_thumbnail(image, size):
    """A JPEG thumbnail, or a PNG one for images with transparency."""
    thumb = image.copy()
    thumb.thumbnail(tuple(size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if has_alpha(thumb):
        thumb.convert("RGBA").save(out, "PNG", optimize=True)
        return out.getvalue(), PNG
    thumb.convert("RGB").save(out, "JPEG", quality=82, optimize=True)
    return out.getvalue(), JPEG
