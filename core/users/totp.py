"""Time-based one-time codes (RFC 6238) for the second sign-in factor."""
import binascii
import hmac
import re
import time
from datetime import datetime, timezone

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


def matching_step(secret, code, now=None):
    """The time step whose code this is (current step or one either side, for clock drift), or None."""
    code = (code or "").replace(" ", "")
    if not secret or not CODE_PATTERN.match(code):
        return None
    now = time.time() if now is None else now
    try:
        totp = pyotp.TOTP(secret)
        current = totp.timecode(datetime.fromtimestamp(now, timezone.utc))
        for step in (current - 1, current, current + 1):
            if hmac.compare_digest(totp.generate_otp(step), code):
                return step
    except (ValueError, binascii.Error):  # a damaged stored secret: no code can match it
        return None
    return None


def use_code(user, code, now=None):
    """Accept a code of the user's secret once: a code already used (or an older one) is refused.

    Records the step on the user; the caller commits."""
    step = matching_step(user.totp_secret, code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def qr_svg(uri):
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")
