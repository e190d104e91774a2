"""An iCalendar (RFC 5545) feed of the committee's events, written by hand: the format is small,
and escaping and line folding are all it needs (no extra dependency)."""
from datetime import datetime, timezone
from urllib.parse import urlsplit

from core.users.models import utcnow

STAMP = "%Y%m%dT%H%M%SZ"
MAX_OCTETS = 75


def escape(text):
    """TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma and newlines."""
    text = str(text or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line):
    """Split a content line into 75-octet pieces (3.1), never inside a UTF-8 character."""
    pieces, current, size = [], "", 0
    limit = MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, MAX_OCTETS - 1  # continuation lines start with a space
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def uid_host(config):
    """The domain in every event's UID: the site's own (SITE_URL, else SERVER_NAME), never the
    request's Host header, so that UIDs stay the same whichever name a visitor used."""
    site = urlsplit(config.get("SITE_URL") or "").hostname
    return site or (config.get("SERVER_NAME") or "").split(":")[0] or "localhost"


def _utc(moment):
    return moment.replace(tzinfo=timezone.utc).strftime(STAMP) if moment.tzinfo is None else \
        moment.astimezone(timezone.utc).strftime(STAMP)


def calendar(events, host, url_for_event, name):
    """The whole VCALENDAR text for ``events`` (stored times are naive UTC)."""
    now = _utc(utcnow())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Guildhall//youth_committee//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:youth-committee-event-{event.id}@{host}",
            f"DTSTAMP:{now}",
            f"DTSTART:{_utc(event.starts_at)}",
            f"DTEND:{_utc(event.ends_at)}",
            f"SUMMARY:{escape(event.title)}",
            f"DESCRIPTION:{escape(event.description)}",
            f"LOCATION:{escape(event.location)}",
            f"URL:{url_for_event(event)}",
            f"LAST-MODIFIED:{_utc(event.updated_at or datetime.now(timezone.utc))}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
