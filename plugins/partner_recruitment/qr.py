"""QR codes of a programme's application form, as PNG or SVG."""
import io

import qrcode
import qrcode.image.svg
from flask import url_for

from core.pages.seo import absolute_url


def form_url(programme):
    """The form's address on the canonical host (SITE_URL), as printed codes must keep working."""
    return absolute_url(url_for("partner_recruitment.apply", slug=programme.slug, source="qr"))


def png(url):
    image = qrcode.make(url, box_size=10, border=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def svg(url):
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=4)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
