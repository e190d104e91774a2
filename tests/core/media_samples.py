"""Small files of every kind the media library meets, made in memory for the upload tests."""
import io
import struct
import zipfile
import zlib

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F


def image_bytes(fmt="JPEG", size=(64, 48), color=(200, 30, 30), mode="RGB", **save):
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_exif(size=(80, 40), orientation=6):
    """A landscape JPEG whose EXIF says 'rotate 90°' and carries a camera make and a GPS position."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "SpyCam"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (22.0, 32.0, 0.0), 3: "E", 4: (114.0, 3.0, 0.0)})
    return image_bytes("JPEG", size, exif=exif.tobytes())


def png_with_text():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "secret location: 22.53N 114.05E")
    exif = Image.Exif()
    exif[MAKE] = "SpyCam"
    return image_bytes("PNG", (30, 20), pnginfo=info, exif=exif.tobytes())


def animated_gif(frames=3):
    images = [Image.new("P", (20, 20), index * 40) for index in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return out.getvalue()


def png_header_claiming(width, height):
    """Only a PNG signature and header: any attempt to decode pixels would fail, so a refusal
    that names the pixel count proves the dimensions were checked first."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
SVG = (b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b"<script>alert(document.cookie)</script></svg>")
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run in DOS mode."
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
HTML = b"<!doctype html><html><script>alert(1)</script></html>"


def office_open_xml(main_part, macros=False):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(main_part, "<document/>")
        if macros:
            archive.writestr(main_part.split("/")[0] + "/vbaProject.bin", b"\x00" * 16)
    return out.getvalue()


DOCX = office_open_xml("word/document.xml")
XLSX = office_open_xml("xl/workbook.xml")
PPTX = office_open_xml("ppt/presentation.xml")
DOCM = office_open_xml("word/document.xml", macros=True)


def plain_zip():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return out.getvalue()


def compound_file(*entries):
    """A minimal OLE2 compound file (version 3, 512-byte sectors) with the named entries:
    (name, is_storage). Streams hold 4096 bytes each, so no mini stream is needed."""
    free, end, fat_sector, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    stream_sectors = 8
    fat = [fat_sector, end]  # sector 0: the FAT, sector 1: the directory
    starts = []
    for name, is_storage in entries:
        if is_storage:
            starts.append(end)
            continue
        first = len(fat)
        starts.append(first)
        fat.extend(range(first + 1, first + stream_sectors))
        fat.append(end)
    fat.extend([free] * (128 - len(fat)))

    def entry(name, kind, start, size, child=no_stream, right=no_stream):
        encoded = (name + "\x00").encode("utf-16-le")
        return (encoded.ljust(64, b"\x00") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", no_stream, right, child) + b"\x00" * 16 + b"\x00" * 4
                + b"\x00" * 16 + struct.pack("<IQ", start, size))

    directory = entry("Root Entry", 5, end, 0, child=1 if entries else no_stream)
    for index, ((name, is_storage), start) in enumerate(zip(entries, starts), start=1):
        right = index + 1 if index < len(entries) else no_stream
        directory += entry(name, 1 if is_storage else 2, start, 0 if is_storage else 4096, right=right)
    while len(directory) % 512:
        directory += b"\x00" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", no_stream, no_stream, no_stream) + b"\x00" * 48
    assert len(directory) == 512, "the test helper fits four entries in one sector"
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\x00" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    body = struct.pack("<128I", *fat) + directory
    for _name, is_storage in entries:
        if not is_storage:
            body += b"\x01" * 4096
    return header + body


DOC = compound_file(("WordDocument", False), ("1Table", False))
XLS = compound_file(("Workbook", False))
PPT = compound_file(("PowerPoint Document", False))
DOC_WITH_MACROS = compound_file(("WordDocument", False), ("Macros", True))
MSI = compound_file(("\u4840\u3b3f\u4577", False))  # an installer's table stream: not a document


def iso_media(brand, payload=b"\x00" * 64):
    ftyp = struct.pack(">I", 24) + b"ftyp" + brand + b"\x00\x00\x02\x00" + brand + b"mp41"
    return ftyp + struct.pack(">I", 8 + len(payload)) + b"mdat" + payload


MP4 = iso_media(b"isom")
MOV = iso_media(b"qt  ")
HEIC = iso_media(b"heic")
M4A = iso_media(b"M4A ")
WEBM = (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
        b"\x42\x82\x84webm\x42\x87\x81\x02\x42\x85\x81\x02" + b"\x18\x53\x80\x67" + b"\x00" * 64)
MKV = WEBM.replace(b"\x42\x82\x84webm", b"\x42\x82\x88matroska")
