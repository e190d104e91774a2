"""A video's length read from its bytes (core.storage.video), and uploads refused for a long video.

The sample videos are written box by box (MP4/MOV) and element by element (WebM) here, with a
chosen length: no ffmpeg needed. They are real enough for the sniffer and for players' header
readers (mutagen reads the same length from the MP4s), not for playback.
"""
import io
import struct

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage

from core.extensions import db
from core.storage.models import Media
from core.storage.sniff import MOV, MP4, WEBM, detect
from core.storage.backends import get_storage
from core.storage.uploads import UploadError, save_upload
from core.storage.video import video_duration
from tests.core import media_samples as samples

# -- sample videos ----------------------------------------------------------------


def box(kind, body):
    return struct.pack(">I", 8 + len(body)) + kind + body


def large_box(kind, body):
    """A box with a 64-bit size, as cameras write for long recordings."""
    return struct.pack(">I", 1) + kind + struct.pack(">Q", 16 + len(body)) + body


def mvhd(duration, timescale, version=0):
    if version == 0:
        fields = struct.pack(">IIII", 0, 0, timescale, duration)
    else:
        fields = struct.pack(">QQIQ", 0, 0, timescale, duration)
    # rate, volume, reserved, matrix, pre-defined, next track id: as a real file has them
    rest = struct.pack(">IH", 0x00010000, 0x0100) + b"\x00" * 10 + b"\x00" * 36 + b"\x00" * 24 + struct.pack(">I", 2)
    return box(b"mvhd", bytes([version, 0, 0, 0]) + fields + rest)


def video_track(ticks, timescale):
    """A trak with its header, media header and a "vide" handler (what header readers look for)."""
    tkhd = box(b"tkhd", b"\x00\x00\x00\x03" + b"\x00" * 80)
    mdhd = box(b"mdhd", b"\x00" * 12 + struct.pack(">II", timescale, ticks & 0xFFFFFFFF) + b"\x55\xc4\x00\x00")
    hdlr = box(b"hdlr", b"\x00" * 8 + b"vide" + b"\x00" * 12 + b"VideoHandler\x00")
    return box(b"trak", tkhd + box(b"mdia", mdhd + hdlr))


def mp4(seconds, *, timescale=1000, version=0, brand=b"isom", moov_last=False, mdat_size=256, extra_moov=b"",
        duration=None):
    """An MP4 (or with brand b"qt  " a MOV) of ``seconds``: ftyp, moov/mvhd and an mdat of filler."""
    ftyp = box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"mp41")
    ticks = round(seconds * timescale) if duration is None else duration
    moov = box(b"moov", mvhd(ticks, timescale, version) + extra_moov + video_track(ticks, timescale))
    mdat = box(b"mdat", b"\x00" * mdat_size)
    return ftyp + (mdat + moov if moov_last else moov + mdat)


def ebml_id(value):
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def ebml_size(size, length=None):
    length = length or next(n for n in range(1, 9) if size < (1 << (7 * n)) - 1)
    return ((1 << (7 * length)) | size).to_bytes(length, "big")


def element(element_id, body, size_length=None):
    return ebml_id(element_id) + ebml_size(len(body), size_length) + body


UNKNOWN_SIZE = b"\x01\xff\xff\xff\xff\xff\xff\xff"


def webm(seconds=None, *, scale=1_000_000, float_size=8, segment_unknown_size=False, info_last=False,
         cluster_unknown_size=False):
    """A WebM of ``seconds`` (None: no Duration element, as live browser recordings are)."""
    header = element(0x1A45DFA3, element(0x4286, b"\x01") + element(0x42F7, b"\x01") + element(0x42F2, b"\x04")
                     + element(0x42F3, b"\x08") + element(0x4282, b"webm") + element(0x4287, b"\x04")
                     + element(0x4285, b"\x02"))
    info_body = element(0x2AD7B1, scale.to_bytes(4, "big")) + element(0x4D80, b"guildhall-test")
    if seconds is not None:
        ticks = seconds * 1_000_000_000 / scale
        info_body += element(0x4489, struct.pack(">d" if float_size == 8 else ">f", ticks))
    info = element(0x1549A966, info_body)
    seek_head = element(0x114D9B74, b"\xec\x80")  # a SeekHead holding only a Void
    tracks = element(0x1654AE6B, element(0xAE, element(0xD7, b"\x01") + element(0x86, b"V_VP9")))
    if cluster_unknown_size:
        cluster = ebml_id(0x1F43B675) + UNKNOWN_SIZE + element(0xE7, b"\x00") + element(0xA3, b"\x81\x00\x00\x80")
    else:
        cluster = element(0x1F43B675, element(0xE7, b"\x00") + element(0xA3, b"\x81\x00\x00\x80" + b"\x00" * 64))
    body = seek_head + (tracks + cluster + info if info_last and not cluster_unknown_size else
                        (cluster + info if cluster_unknown_size else info + tracks + cluster))
    if segment_unknown_size:
        return header + ebml_id(0x18538067) + UNKNOWN_SIZE + body
    return header + element(0x18538067, body)


def duration_of(data):
    return video_duration(io.BytesIO(data))


# -- reading the length -------------------------------------------------------------


@pytest.mark.parametrize("seconds", [0.5, 1, 59, 60, 61, 3600 * 3 + 0.25])
def test_mp4_length_version_0(seconds):
    data = mp4(seconds)
    assert detect(io.BytesIO(data)) is MP4
    assert duration_of(data) == pytest.approx(seconds)


def test_mp4_length_version_1_with_a_64_bit_duration():
    assert duration_of(mp4(90, timescale=90000, version=1)) == pytest.approx(90)
    assert duration_of(mp4(0, version=1, duration=2**40, timescale=1)) is None


def test_moov_after_mdat_and_a_large_mdat_box_are_found():
    data = mp4(42, moov_last=True, mdat_size=3 * 1024 * 1024)
    assert duration_of(data) == pytest.approx(42)
    ftyp = box(b"ftyp", b"isom\x00\x00\x02\x00isommp41")
    moov = box(b"moov", mvhd(12_000, 600))
    assert duration_of(ftyp + large_box(b"mdat", b"\x00" * 100) + moov) == pytest.approx(20)


def test_mov_length():
    data = mp4(59.5, brand=b"qt  ", timescale=600)
    assert detect(io.BytesIO(data)) is MOV
    assert duration_of(data) == pytest.approx(59.5)


def test_moov_without_mvhd_or_with_a_zero_timescale_is_unknown():
    ftyp = box(b"ftyp", b"isom\x00\x00\x02\x00isommp41")
    assert duration_of(ftyp + box(b"moov", box(b"trak", b"")) + box(b"mdat", b"")) is None
    assert duration_of(mp4(10, timescale=0, duration=100)) is None
    assert duration_of(samples.MP4) is None  # no moov at all


def test_unknown_or_zero_duration_is_unknown():
    assert duration_of(mp4(0, duration=0xFFFFFFFF)) is None
    assert duration_of(mp4(0, version=1, duration=0xFFFFFFFFFFFFFFFF)) is None
    assert duration_of(mp4(0)) is None


def test_fragmented_mp4_uses_the_movie_extends_header():
    mehd = box(b"mehd", b"\x00\x00\x00\x00" + struct.pack(">I", 125_000))
    data = mp4(0, extra_moov=box(b"mvex", mehd + box(b"trex", b"\x00" * 24)))
    assert duration_of(data) == pytest.approx(125)
    # fragments without a total: the length is unknown, not the 0 s that mvhd says
    assert duration_of(mp4(0, extra_moov=box(b"mvex", box(b"trex", b"\x00" * 24)))) is None


@pytest.mark.parametrize("float_size", [4, 8])
def test_webm_length(float_size):
    data = webm(61, float_size=float_size)
    assert detect(io.BytesIO(data)) is WEBM
    assert duration_of(data) == pytest.approx(61, abs=0.01)


def test_webm_with_another_timecode_scale_and_an_unknown_segment_size():
    assert duration_of(webm(59, scale=1_000)) == pytest.approx(59)
    assert duration_of(webm(30, segment_unknown_size=True)) == pytest.approx(30)
    assert duration_of(webm(30, info_last=True)) == pytest.approx(30)


def test_webm_without_duration_is_unknown():
    assert duration_of(webm(None)) is None
    assert duration_of(webm(0)) is None
    assert duration_of(samples.WEBM) is None
    # a live recording: a Cluster of unknown size before any Info
    assert duration_of(webm(30, cluster_unknown_size=True)) is None


def test_other_files_have_no_length():
    for data in (samples.PDF, samples.DOCX, samples.image_bytes("PNG"), b"", b"\x00" * 10):
        assert duration_of(data) is None


def test_the_stream_is_left_at_the_start():
    stream = io.BytesIO(mp4(5, moov_last=True))
    stream.seek(7)
    assert video_duration(stream, MP4) == pytest.approx(5)
    assert stream.tell() == 0


def test_a_large_file_is_not_read_whole():
    class CountingStream(io.BytesIO):
        read_bytes = 0

        def read(self, size=-1):
            data = super().read(size)
            CountingStream.read_bytes += len(data)
            return data

    stream = CountingStream(mp4(30, moov_last=True, mdat_size=20 * 1024 * 1024))
    assert video_duration(stream, MP4) == pytest.approx(30)
    assert CountingStream.read_bytes < 64 * 1024


# -- hostile bytes ------------------------------------------------------------------

REAL_VIDEOS = [mp4(59), mp4(61, moov_last=True), mp4(30, version=1, timescale=90000), mp4(10, brand=b"qt  "),
               webm(61), webm(59, float_size=4, segment_unknown_size=True),
               mp4(0, extra_moov=box(b"mvex", box(b"mehd", b"\x00" * 4 + struct.pack(">I", 5000))))]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(REAL_VIDEOS), cut=st.integers(min_value=0, max_value=600),
       flips=st.lists(st.tuples(st.integers(min_value=0, max_value=599), st.integers(0, 255)), max_size=8))
def test_damaged_videos_give_a_length_or_none(base, cut, flips):
    data = bytearray(base[:cut] if cut else base)
    for position, value in flips:
        if position < len(data):
            data[position] = value
    seconds = duration_of(bytes(data))
    assert seconds is None or (isinstance(seconds, float) and 0 <= seconds)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_behind_a_video_signature_give_a_length_or_none(tail):
    for head in (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41", webm(1)[:48]):
        seconds = duration_of(head + tail)
        assert seconds is None or seconds >= 0
        for file_type in (MP4, WEBM):
            seconds = video_duration(io.BytesIO(head + tail), file_type)
            assert seconds is None or seconds >= 0


def test_boxes_claiming_huge_sizes_or_endless_nesting_end_quickly():
    ftyp = box(b"ftyp", b"isom\x00\x00\x02\x00isommp41")
    assert duration_of(ftyp + struct.pack(">I", 1) + b"mdat" + struct.pack(">Q", 2**63)) is None
    assert duration_of(ftyp + struct.pack(">I", 4) + b"free") is None  # smaller than its own header
    assert duration_of(ftyp + box(b"free", b"") * 20_000 + box(b"moov", mvhd(1000, 1000))) is None
    assert duration_of(webm(10)[:40] + b"\x00" * 100) is None  # an id with no length marker


# -- uploads ------------------------------------------------------------------------


def upload(data, name="clip.mp4"):
    return FileStorage(stream=io.BytesIO(data), filename=name)


def media_count():
    return db.session.scalar(db.select(db.func.count(Media.id)))


@pytest.fixture
def english_request(app):
    with app.test_request_context(), force_locale("en"):
        yield


def test_upload_of_a_video_within_the_limit_is_stored_with_its_length(app, english_request):
    media = save_upload(upload(mp4(59)), private=True, max_video_seconds=60)
    assert media.kind == "video" and media.duration == pytest.approx(59)
    webm_media = save_upload(upload(webm(60), "clip.webm"), private=True, max_video_seconds=60)
    assert webm_media.duration == pytest.approx(60)


def test_every_video_upload_records_its_length_without_a_limit(app, english_request):
    assert save_upload(upload(mp4(600))).duration == pytest.approx(600)
    assert save_upload(upload(samples.MP4)).duration is None  # unreadable, and no limit asked
    assert save_upload(upload(samples.PDF, "a.pdf")).duration is None


def test_upload_of_a_longer_video_is_refused_and_nothing_stored(app, english_request):
    before = media_count()
    with pytest.raises(UploadError) as refused:
        save_upload(upload(mp4(61)), private=True, max_video_seconds=60)
    assert refused.value.status == 400
    assert "1 min 01 s" in refused.value.message and "1 min 00 s" in refused.value.message
    with pytest.raises(UploadError):
        save_upload(upload(webm(75), "clip.webm"), max_video_seconds=60)
    assert media_count() == before
    assert list(get_storage().keys()) == []


def test_upload_of_a_video_whose_length_cannot_be_read_is_refused_under_a_limit(app, english_request):
    before = media_count()
    for data in (samples.MP4, samples.WEBM, webm(None), mp4(0, duration=0xFFFFFFFF)):
        with pytest.raises(UploadError) as refused:
            save_upload(upload(data), max_video_seconds=60)
        assert "length of this video cannot be read" in refused.value.message
    assert media_count() == before
    assert list(get_storage().keys()) == []


def test_the_limit_does_not_touch_other_kinds(app, english_request):
    assert save_upload(upload(samples.PDF, "a.pdf"), max_video_seconds=1).kind == "pdf"


def test_a_half_second_over_is_within_a_whole_second_limit(app, english_request):
    assert save_upload(upload(mp4(60.4)), max_video_seconds=60).duration == pytest.approx(60.4)
    with pytest.raises(UploadError):
        save_upload(upload(mp4(60.6)), max_video_seconds=60)



def test_a_webm_whose_header_has_an_unknown_size_has_no_length():
    import io

    from core.storage.video import _webm_duration

    # An EBML header element (1A 45 DF A3) whose size is "unknown" (all ones), then nothing: the
    # walk stops there (video_duration would also swallow an error, so the walker is asked itself).
    assert _webm_duration(io.BytesIO(b"\x1a\x45\xdf\xa3\x01\xff\xff\xff\xff\xff\xff\xff" + b"\x00" * 32)) is None
