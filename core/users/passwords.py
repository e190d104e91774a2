"""Password hashing (argon2id) and the password policy: length, not a common password."""
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 8
MAX_LENGTH = 256
COMMON_PASSWORD_RANK = 20000  # refuse the most common passwords of zxcvbn's list

_hasher = PasswordHasher()
# A real hash to verify against when the e-mail is unknown, so timing does not tell.
_DUMMY_HASH = _hasher.hash("guildhall-timing-equaliser")


def off_the_hub(function, *args):
    """function(*args), in a real thread when gevent serves the requests.

    An argon2 hash takes a quarter of a second of CPU; on the gevent worker that serves the live
    final's streams it would stop every other request that long. argon2's C code releases the GIL,
    so in gevent's thread pool the hub goes on serving meanwhile."""
    if not _gevent_patched():
        return function(*args)
    import gevent

    return gevent.get_hub().threadpool.apply(function, args)


def _gevent_patched():
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return False
    return monkey.is_module_patched("socket")


def hash_password(password):
    return off_the_hub(_hasher.hash, password)


def verify_password(password_hash, password):
    try:
        return off_the_hub(_hasher.verify, password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash):
    return _hasher.check_needs_rehash(password_hash)


def burn_time(password):
    """Spend the time a real check would, for unknown accounts."""
    verify_password(None, password)


@lru_cache(maxsize=1)
def _common_passwords():
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_PASSWORD_RANK])


def password_problem(password, email=None, name=None):
    """Return why a password is refused, or None if it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(n)s characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Use at most %(n)s characters.", n=MAX_LENGTH)
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) < 3:
        return _l("This password is too common; choose another.")
    for personal in (email, (email or "").split("@")[0], name):
        if personal and len(personal) >= 4 and lowered == personal.lower():
            return _l("Do not use your e-mail address or name as the password.")
    return None
