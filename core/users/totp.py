"""Time-based one-time codes (RFC 6238) for the second sign-in factor."""
import binascii
import re

import pyotp
import qrcode
import qrcode.image.svg
from flask import current_app

CODE_PATTERN = re.compile(r"^\d{6}$")


def new_secret():
    return pyotp.random_base32()


def provisioning_uri(user):
    issuer = current_app.config["SITE_NAME"]
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=issuer)


def code_is_valid(secret, code):
    """Accept the current code and one step either side, for clock drift."""
    code = (code or "").replace(" ", "")
    if not secret or not CODE_PATTERN.match(code):
        return False
    try:
        return pyotp.TOTP(secret).verify(code, valid_window=1)
    except (ValueError, binascii.Error):  # a damaged stored secret: no code can match it
        return False


def qr_svg(uri):
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")
