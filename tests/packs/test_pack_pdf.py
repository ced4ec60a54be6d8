"""The PDF printer: page numbers of the table of contents and cross-references point at the
right pages, the document carries the evidence's date (not the print time), and a cancelled
job leaves no browser behind."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from privacymesh.packs import PackResult
from privacymesh.packs.errors import PersonalDataInPackError
from privacymesh.packs.guard import refuse
from privacymesh.packs.pdf import PdfJob, fix_dates, link_target_pages, renderer_error


def _page_texts(pdf: Path) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf))
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def test_contents_page_numbers_point_at_their_sections(built_pack: PackResult) -> None:
    pdf = built_pack.root / "index.pdf"
    texts = _page_texts(pdf)
    targets = link_target_pages(pdf.read_bytes())
    contents = texts[0][texts[0].index("Contents") :]
    sections = {"scope": "Scope and methodology", "matrix": "Control matrix",
                "findings": "Findings", "integrity": "Integrity appendix"}  # fmt: skip
    for anchor, title in sections.items():
        page = targets[anchor]
        listed = re.search(rf"{re.escape(title)}\s*\.*\s*(\d+)", contents)
        assert listed and int(listed.group(1)) == page, (title, page)
        assert title in texts[page - 1], (title, page)  # the section starts on that page
    assert max(targets.values()) <= len(texts)


def test_cross_references_name_the_page_of_their_query(built_pack: PackResult) -> None:
    pdf = built_pack.root / "index.pdf"
    texts = "\n".join(_page_texts(pdf))
    targets = link_target_pages(pdf.read_bytes())
    refs = re.findall(r"Test procedures: ([a-z_.]+)\s*\(page (\d+)\)", texts)
    assert refs, "no cross-reference with a page number"
    for check_id, page in refs:
        assert int(page) == targets[f"sql-{check_id}"], check_id


def test_pdf_is_dated_by_its_evidence(built_pack: PackResult) -> None:
    data = (built_pack.root / "index.pdf").read_bytes()
    assert built_pack.model is not None
    stamp = f"D:{built_pack.model.evidence_time:%Y%m%d%H%M%S}+00'00'".encode()
    assert data.count(stamp) == 2  # CreationDate and ModDate


def test_fix_dates_keeps_the_length() -> None:
    pdf = b"<</CreationDate (D:20261203200950+00'00')\n/ModDate (D:20261203200950+00'00')>>"
    fixed = fix_dates(pdf, datetime(2026, 9, 30, 4, 5, 6, tzinfo=UTC))
    assert fixed == pdf.replace(b"20261203200950", b"20260930040506")
    assert len(fixed) == len(pdf)


def test_cancelled_job_leaves_no_browser(tmp_path: Path) -> None:
    psutil = pytest.importorskip("psutil")
    job = PdfJob()
    child = psutil.Process(job._process.pid)
    deadline = datetime.now().timestamp() + 60
    while not _browsers(child):
        assert datetime.now().timestamp() < deadline, "Chromium never started"
        time.sleep(0.05)
    browsers = _browsers(child)
    job.cancel()
    assert job._process.returncode == 0  # it closed the browser itself
    _, alive = psutil.wait_procs(browsers, timeout=10)
    assert not alive


def _browsers(process: object) -> list:
    """The Chromium processes under `process` (a helper that exits while they are listed,
    as Chromium's short-lived ones do, is not one to wait for)."""
    import psutil

    try:
        descendants = process.children(recursive=True)  # type: ignore[attr-defined]
    except psutil.NoSuchProcess:
        return []
    found = []
    for p in descendants:
        try:
            if "chrom" in p.name().lower():
                found.append(p)
        except psutil.NoSuchProcess:
            continue
    return found


def test_job_scans_the_pdf_it_printed(tmp_path: Path) -> None:
    html = tmp_path / "index.html"
    html.write_text(
        "<!doctype html><html><body><h1>Findings</h1>"
        "<p>contact: maria.lopez@example.org</p></body></html>",
        "utf-8",
    )
    job = PdfJob()
    job.render(html, tmp_path / "index.pdf", datetime(2026, 9, 30, tzinfo=UTC), tmp_path)
    report = job.result()
    assert report.files == ["index.pdf"] and report.values >= 2
    assert [(h.file, h.category) for h in report.hits] == [
        ("index.pdf:pages", "user.contact.email")
    ]
    assert "maria.lopez" not in report.hits[0].example  # masked
    with pytest.raises(PersonalDataInPackError, match=r"index\.pdf"):
        refuse(report)


def test_renderer_error_names_the_failure_not_chromium_s_log() -> None:
    err = (
        "Traceback (most recent call last):\n"
        "playwright._impl._errors.TargetClosedError: Target page, context or browser closed\n"
        "[pid=21589][err] [1208/002936:ERROR:file_io_posix.cc:145] open /sys/devices: (2)\n\n"
    )
    assert renderer_error(err) == (
        "playwright._impl._errors.TargetClosedError: Target page, context or browser closed"
    )
    only_log = "[pid=7][err] [1208/1:ERROR:x.cc:1] crash\n"
    assert renderer_error(only_log) == "[pid=7][err] [1208/1:ERROR:x.cc:1] crash"
    assert renderer_error("") == "no message"
