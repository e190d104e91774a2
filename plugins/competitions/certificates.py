"""Printable certificates (PDF, A4 landscape) for awarded entries, one page per award.

Drawn with reportlab; Chinese text uses the built-in CID font STSong-Light, so
no font file is shipped or needed.
"""
import io

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from plugins.competitions.results import awards_of

FONT = "STSong-Light"
PAGE = landscape(A4)


def _font():
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _fit(text, size, width):
    """The font size (at most ``size``) at which ``text`` fits into ``width`` points."""
    measured = pdfmetrics.stringWidth(text, FONT, size)
    return size if measured <= width else max(8, size * width / measured)


def _centred(pdf, text, y, size):
    width, _height = PAGE
    size = _fit(text, size, width - 60 * mm)
    pdf.setFont(FONT, size)
    pdf.drawCentredString(width / 2, y, text)


def _page(pdf, competition, result, award):
    width, height = PAGE
    pdf.setLineWidth(3)
    pdf.setStrokeColorRGB(0.62, 0.12, 0.12)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setLineWidth(0.8)
    pdf.rect(16 * mm, 16 * mm, width - 32 * mm, height - 32 * mm)
    pdf.setFillColorRGB(0.62, 0.12, 0.12)
    _centred(pdf, _("Certificate of Award"), height - 50 * mm, 34)
    pdf.setFillColorRGB(0, 0, 0)
    _centred(pdf, competition.title, height - 68 * mm, 18)
    _centred(pdf, result.entry.organisation.name, height - 90 * mm, 20)
    _centred(pdf, _("Project: %(title)s", title=result.entry.title), height - 104 * mm, 16)
    pdf.setFillColorRGB(0.62, 0.12, 0.12)
    _centred(pdf, award, height - 126 * mm, 28)
    pdf.setFillColorRGB(0, 0, 0)
    site = current_app.config["SITE_NAME"]
    published = competition.results_published_at
    date = format_date(to_user_timezone(published).date(), "long") if published else ""
    pdf.setFont(FONT, 14)
    pdf.drawRightString(width - 40 * mm, 42 * mm, site)
    pdf.drawRightString(width - 40 * mm, 34 * mm, date)
    pdf.setFont(FONT, 9)
    if result.entry.number:
        pdf.drawString(24 * mm, 22 * mm, _("Entry %(number)s", number=result.entry.number))
    pdf.showPage()


def certificates_pdf(competition, results):
    """One PDF with a page for every award of every result given (tier and special awards)."""
    _font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=PAGE, pageCompression=1)
    pdf.setTitle(f"{competition.title} - {_('Certificates')}")
    pdf.setAuthor(current_app.config["SITE_NAME"])
    pages = 0
    for result in results:
        for award in awards_of(result):
            _page(pdf, competition, result, award)
            pages += 1
    if not pages:
        pdf.setFont(FONT, 14)
        pdf.drawString(30 * mm, PAGE[1] / 2, _("No awards."))
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
