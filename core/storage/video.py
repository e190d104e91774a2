"""How long a video is, read from its own bytes: MP4/MOV (``moov/mvhd``) and WebM (Segment > Info).

Only the few header fields that give the length are read, by seeking from box to box
(or element to element), so a large file is never read whole and ``moov`` may come
before or after the media data. Damaged or hostile bytes give None, never an error.

No library was taken for this: mutagen reads MP4 but not Matroska/WebM, and enzyme
(Matroska) is barely maintained; two dependencies for two header fields were not worth it.
"""
import io
import math
import struct

from core.storage.sniff import MOV, MP4, WEBM, detect

MAX_BOXES = 10_000  # top-level boxes or elements stepped over before giving up
MAX_INFO_SIZE = 1024 * 1024  # a WebM Info element is a few hundred bytes
MAX_SECONDS = 1_000_000 * 3600  # anything longer is a damaged header, not a video

# MP4 / QuickTime
MOOV, MVHD, MVEX, MEHD = b"moov", b"mvhd", b"mvex", b"mehd"
# EBML / Matroska element ids (with their length marker bits, as written in the file)
EBML_HEADER = 0x1A45DFA3
SEGMENT = 0x18538067
INFO = 0x1549A966
TIMECODE_SCALE = 0x2AD7B1
DURATION = 0x4489
DEFAULT_TIMECODE_SCALE = 1_000_000  # nanoseconds per tick


def video_duration(stream, file_type=None):
    """Seconds (a float) that the video in a seekable binary stream lasts, or None if unknown.

    ``file_type`` is what core.storage.sniff.detect said about the stream (detected here if
    not given). Leaves the stream at position 0.
    """
    try:
        if file_type is None:
            file_type = detect(stream)
        stream.seek(0)
        if file_type in (MP4, MOV):
            seconds = _mp4_duration(stream)
        elif file_type == WEBM:
            seconds = _webm_duration(stream)
        else:
            seconds = None
    except (struct.error, ValueError, OverflowError, EOFError, OSError):
        seconds = None
    finally:
        try:
            stream.seek(0)
        except (OSError, ValueError):
            pass
    if seconds is None or not math.isfinite(seconds) or not 0 <= seconds <= MAX_SECONDS:
        return None
    return float(seconds)


def _size(stream):
    stream.seek(0, 2)
    end = stream.tell()
    stream.seek(0)
    return end


# -- MP4 and QuickTime -----------------------------------------------------------


def _boxes(stream, start, end):
    """(type, body start, body end) of each box between start and end, stepping over bodies."""
    position, count = start, 0
    while position + 8 <= end:
        count += 1
        if count > MAX_BOXES:
            return
        stream.seek(position)
        header = stream.read(8)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header)
        body = position + 8
        if size == 1:  # a 64-bit size follows the type
            large = stream.read(8)
            if len(large) < 8:
                return
            size = struct.unpack(">Q", large)[0]
            body += 8
        elif size == 0:  # the box runs to the end of its parent (the file)
            size = end - position
        if size < body - position or position + size > end:
            return  # shorter than its own header, or longer than what holds it: damaged
        yield kind, body, position + size
        position += size


def _mp4_duration(stream):
    """mvhd's duration over its timescale. A fragmented file (an ``mvex`` box: DASH, browser
    recordings) keeps its length in ``mvex/mehd`` instead; without one it is unknown, as is a
    duration of zero or "all ones"."""
    end = _size(stream)
    for kind, body, box_end in _boxes(stream, 0, end):
        if kind != MOOV:
            continue
        header, fragmented = None, None
        for child, child_body, child_end in _boxes(stream, body, box_end):
            if child == MVHD and header is None:
                header = _mvhd(stream, child_body, child_end)
            elif child == MVEX and fragmented is None:
                fragmented = _mehd_duration(stream, child_body, child_end) or 0
        if header is None:
            return None
        timescale, duration = header
        if fragmented is not None:
            duration = max(duration or 0, fragmented) or None
        if not duration:
            return None
        return duration / timescale
    return None


def _full_box(stream, body, end, fields_v0, fields_v1):
    """The fields after a full box's version and flags, by version (0 or 1), or None."""
    stream.seek(body)
    data = stream.read(min(end - body, 4 + struct.calcsize(fields_v1)))
    if len(data) < 4:
        return None
    version = data[0]
    layout = {0: fields_v0, 1: fields_v1}.get(version)
    if layout is None or len(data) < 4 + struct.calcsize(layout):
        return None
    return version, struct.unpack_from(layout, data, 4)


def _mvhd(stream, body, end):
    """(timescale, duration or None when marked unknown) of an mvhd box, or None."""
    found = _full_box(stream, body, end, ">IIII", ">QQIQ")
    if found is None:
        return None
    version, (_created, _modified, timescale, duration) = found
    if timescale == 0:
        return None
    if duration == (0xFFFFFFFF if version == 0 else 0xFFFFFFFFFFFFFFFF):
        duration = None
    return timescale, duration


def _mehd_duration(stream, body, end):
    for kind, child_body, child_end in _boxes(stream, body, end):
        if kind == MEHD:
            found = _full_box(stream, child_body, child_end, ">I", ">Q")
            return found[1][0] if found else None
    return None


# -- WebM (Matroska) ----------------------------------------------------------------


def _vint(stream, keep_marker):
    """An EBML variable-length integer: (value, length in bytes, all value bits set), or None."""
    first = stream.read(1)
    if not first:
        return None
    byte = first[0]
    length = 1
    while length <= 8 and not byte & (0x80 >> (length - 1)):
        length += 1
    if length > 8:
        return None  # 0x00: no length marker
    rest = stream.read(length - 1)
    if len(rest) < length - 1:
        return None
    value = byte if keep_marker else byte & (0xFF >> length)
    for extra in rest:
        value = (value << 8) | extra
    all_ones = (byte & (0xFF >> length)) == (0xFF >> length) and all(extra == 0xFF for extra in rest)
    return value, length, all_ones


def _element(stream):
    """(id, size or None for "unknown size", body start) of the element at the stream's position."""
    element_id = _vint(stream, keep_marker=True)
    if element_id is None or element_id[1] > 4:
        return None
    size = _vint(stream, keep_marker=False)
    if size is None:
        return None
    value, _length, all_ones = size
    return element_id[0], (None if all_ones else value), stream.tell()


def _children(stream, position, end):
    """(id, size, body start) of each EBML element from ``position`` to ``end``; stops at an
    unreadable element, after one of unknown size, and after MAX_BOXES of them."""
    for _count in range(MAX_BOXES):
        if position >= end:
            return
        stream.seek(position)
        element = _element(stream)
        if element is None:
            return
        yield element
        _element_id, size, body = element
        if size is None:
            return
        position = body + size


def _webm_duration(stream):
    end = _size(stream)
    for element_id, size, body in _children(stream, 0, end):  # the EBML header, then the Segment
        if element_id == SEGMENT:
            return _segment_duration(stream, body, end if size is None else min(end, body + size))
        if size is None or body + size > end:
            return None
    return None


def _segment_duration(stream, position, end):
    for element_id, size, body in _children(stream, position, end):
        if element_id == INFO:
            if size is None or size > MAX_INFO_SIZE or body + size > end:
                return None
            return _info_duration(stream.read(size))
    return None  # no Info, or a Cluster of unknown size (a live recording) before it


def _info_duration(data):
    stream = io.BytesIO(data)
    scale, duration = DEFAULT_TIMECODE_SCALE, None
    while stream.tell() < len(data):
        element = _element(stream)
        if element is None:
            return None
        element_id, size, body = element
        if size is None or body + size > len(data):
            return None
        value = stream.read(size)
        if element_id == TIMECODE_SCALE:
            if not 1 <= size <= 8:
                return None
            scale = int.from_bytes(value, "big")
        elif element_id == DURATION:
            if size == 4:
                duration = struct.unpack(">f", value)[0]
            elif size == 8:
                duration = struct.unpack(">d", value)[0]
            else:
                return None
    if duration is None or scale == 0 or not duration > 0:
        return None  # no Duration (a live recording), or zero: unknown
    return duration * scale / 1_000_000_000
