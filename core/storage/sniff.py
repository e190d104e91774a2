"""What a file is, judged by its content alone (never by its name or the browser's word).

Small explicit signature checks rather than a general "magic" library: only a short list
of types is accepted, and each needs more than a first-bytes match to be told apart
(Office documents are ZIP or OLE2 containers; HEIC photos and M4A audio share MP4's
"ftyp" box). puremagic 2 has an Office-aware deep scan but needs Python 3.12; the
legacy OLE2 formats are read with olefile.
"""
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    kind: str  # image | pdf | document | video
    content_type: str
    extension: str  # with its dot: what the stored key ends with


JPEG = FileType("image", "image/jpeg", ".jpg")
PNG = FileType("image", "image/png", ".png")
GIF = FileType("image", "image/gif", ".gif")
WEBP = FileType("image", "image/webp", ".webp")
PDF = FileType("pdf", "application/pdf", ".pdf")
DOCX = FileType("document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")
XLSX = FileType("document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx")
PPTX = FileType("document", "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx")
DOC = FileType("document", "application/msword", ".doc")
XLS = FileType("document", "application/vnd.ms-excel", ".xls")
PPT = FileType("document", "application/vnd.ms-powerpoint", ".ppt")
MP4 = FileType("video", "video/mp4", ".mp4")
MOV = FileType("video", "video/quicktime", ".mov")
WEBM = FileType("video", "video/webm", ".webm")

# The part that makes an Office Open XML package a document, a workbook or a presentation.
OOXML_MAIN_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
# The stream that makes an OLE2 compound file a Word, Excel or PowerPoint file.
OLE_MAIN_STREAMS = [("WordDocument", DOC), ("Workbook", XLS), ("Book", XLS), ("PowerPoint Document", PPT)]
# MP4 major brands of video files; HEIF/AVIF images and M4A audio use other brands.
MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
    b"M4V ", b"M4VH", b"M4VP", b"dash", b"mmp4", b"MSNV", b"XAVC", b"f4v ",
}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEAD_SIZE = 4096


class MacroDocument(Exception):
    """An Office file that carries macros: refused, they are programs."""


def detect(stream):
    """The FileType of a seekable binary stream, or None for anything not accepted.

    Raises MacroDocument for Office files with macros. Leaves the stream at position 0.
    """
    stream.seek(0)
    head = stream.read(HEAD_SIZE)
    stream.seek(0)
    try:
        return _detect(head, stream)
    finally:
        stream.seek(0)


def _detect(head, stream):
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _office_open_xml(stream)
    if head.startswith(OLE_MAGIC):
        return _legacy_office(stream)
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return MOV
        return MP4 if brand in MP4_BRANDS else None
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"\x42\x82\x84webm" in head[:64]:
        return WEBM  # EBML header whose DocType element says "webm" (Matroska says "matroska")
    return None


def _office_open_xml(stream):
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None  # NotImplementedError: a header claiming a zip version or method Python lacks
    if "[Content_Types].xml" not in names:
        return None  # a plain ZIP archive
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise MacroDocument()
    found = [kind for part, kind in OOXML_MAIN_PARTS.items() if part in names]
    return found[0] if len(found) == 1 else None


def _legacy_office(stream):
    import olefile

    try:
        ole = olefile.OleFileIO(stream)
    except Exception:  # olefile raises many kinds of errors on a damaged or hostile file
        return None
    try:
        if ole.exists("Macros") or ole.exists("_VBA_PROJECT_CUR") or ole.exists("VBA"):
            raise MacroDocument()
        for name, kind in OLE_MAIN_STREAMS:
            if ole.exists(name):
                return kind
        return None  # other compound files: installers (MSI), Outlook messages, ...
    finally:
        ole.close()


def looks_like_svg(head):
    """Whether refused bytes are an SVG (or other XML) image, to say why it is refused."""
    text = head[:HEAD_SIZE].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<?xml", b"<svg", b"<!doctype svg")) and b"<svg" in text
