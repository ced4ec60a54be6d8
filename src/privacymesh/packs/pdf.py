"""PDF output: the same HTML as `index.html`, printed by headless Chromium (driven by
Playwright) with the paged-media rules of the templates: `@page` margin boxes carry the pack
id, the period and "page N of M"; wide tables go on landscape named pages.

Chromium does not implement CSS `target-counter()`, so the renderer numbers the table of
contents and the cross-references itself: it prints, reads the page of every link target from
the PDF's named destinations (pypdfium2), writes the numbers into the page (`data-page`
attributes the print CSS shows) and prints again, until the numbers no longer move (two
prints in practice). Chromium stamps the print time into the document information; the
renderer replaces it with a date the caller gives, so the same HTML gives the same bytes.

Needs the PDF extra (`pip install 'privacymesh[pdf]'`: Playwright and pypdfium2) and a
Chromium: the system one (Debian: `apt-get install -y chromium`), one named by
`PRIVACYMESH_CHROMIUM`, or Playwright's own (`playwright install chromium`). Without them packs
are built without the PDF and say why."""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from privacymesh.packs.guard import ScanReport

INSTALL_HINT = (
    "install the PDF extra (pip install 'privacymesh[pdf]') and a Chromium "
    "(Debian/Ubuntu: apt-get install -y chromium; or: playwright install chromium; "
    "or set PRIVACYMESH_CHROMIUM to a Chromium or Chrome executable)"
)
SYSTEM_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
MAX_PRINTS = 4  # page numbers settle after the second print; more would mean they oscillate

# The links whose targets' page numbers the print shows (see the print rules of the CSS).
NUMBERED_LINKS = "nav.toc a[href^='#'], a.ref[href^='#']"
SET_PAGES = """([selector, pages]) => {
    for (const a of document.querySelectorAll(selector)) {
        const page = pages[a.getAttribute('href').slice(1)];
        if (page !== undefined) a.setAttribute('data-page', String(page));
    }
}"""
TARGETS = """(selector) => [...new Set([...document.querySelectorAll(selector)]
    .map(a => a.getAttribute('href').slice(1)))]"""


@dataclass(frozen=True)
class PdfSupport:
    """Whether PDFs can be written here: the renderer's name, or why not."""

    renderer: str | None
    reason: str | None = None

    @property
    def available(self) -> bool:
        return self.renderer is not None


def find_chromium() -> str | None:
    """The Chromium to print with: PRIVACYMESH_CHROMIUM, a system browser on PATH, or one
    Playwright downloaded (`playwright install chromium`)."""
    named = os.environ.get("PRIVACYMESH_CHROMIUM")
    if named:
        return named if os.access(named, os.X_OK) else None
    for name in SYSTEM_BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    cache = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or os.path.expanduser(
        "~/.cache/ms-playwright"
    )
    downloaded = sorted(glob.glob(os.path.join(cache, "chromium-*", "chrome-linux*", "chrome")))
    return downloaded[-1] if downloaded else None


def pdf_support() -> PdfSupport:
    """Whether Playwright, pypdfium2 and a Chromium are here (nothing is launched)."""
    missing = [name for name in ("playwright", "pypdfium2") if not _importable(name)]
    if missing:
        return PdfSupport(None, f"{' and '.join(missing)} not installed; {INSTALL_HINT}")
    chromium = find_chromium()
    if chromium is None:
        return PdfSupport(None, f"no Chromium found; {INSTALL_HINT}")
    return PdfSupport(f"headless Chromium ({chromium}) through Playwright")


def _importable(module: str) -> bool:
    import sys
    from importlib.util import find_spec

    if module in sys.modules:  # None there means "known missing"
        return sys.modules[module] is not None
    return find_spec(module) is not None


def link_target_pages(pdf: bytes) -> dict[str, int]:
    """Page number (from 1) of every named destination of a PDF Chromium printed: one per
    element id a link points to."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    document = pdfium.PdfDocument(pdf)
    try:
        pages: dict[str, int] = {}
        for index in range(raw.FPDF_CountNamedDests(document.raw)):
            size = ctypes.c_long(0)
            raw.FPDF_GetNamedDest(document.raw, index, None, ctypes.byref(size))
            buffer = ctypes.create_string_buffer(size.value)
            dest = raw.FPDF_GetNamedDest(document.raw, index, buffer, ctypes.byref(size))
            page = raw.FPDFDest_GetDestPageIndex(document.raw, dest)
            name = buffer.raw[: max(size.value - 2, 0)].decode("utf-16-le")
            if page >= 0:
                pages[name] = page + 1
        return pages
    finally:
        document.close()


_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:[0-9]{14}[+\-Z][0-9']*\)")


def fix_dates(pdf: bytes, when: datetime) -> bytes:
    """Replace the creation and modification dates of the document information with `when`.
    Only same-length replacements are made, so the cross-reference offsets stay right."""
    utc = when.astimezone(UTC) if when.tzinfo else when
    stamp = f"D:{utc:%Y%m%d%H%M%S}+00'00'".encode()

    def swap(match: re.Match[bytes]) -> bytes:
        new = b"/" + match.group(1) + b" (" + stamp + b")"
        return new if len(new) == len(match.group(0)) else match.group(0)

    return _PDF_DATE.sub(swap, pdf)


def write_pdf(html_file: Path, out: Path, when: datetime) -> Path:
    """Print `html_file` (self-contained: nothing outside it is fetched) to `out`, with page
    numbers in its table of contents and cross-references, dated `when`."""
    with Printer() as printer:
        return printer.print(html_file, out, when)


class Printer:
    """A headless Chromium ready to print: launching it is a second of the work, so a caller
    can start it before the HTML exists (see PdfJob)."""

    def __enter__(self) -> Printer:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=find_chromium(), args=["--disable-gpu", "--disable-extensions"]
            )
            self._page = self._browser.new_page()
            self._page.route("**/*", _only_local)
        except BaseException:
            self._playwright.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._browser.close()
        finally:
            self._playwright.stop()

    def print(self, html_file: Path, out: Path, when: datetime) -> Path:
        page = self._page
        page.goto(html_file.resolve().as_uri(), wait_until="load")
        targets = set(page.evaluate(TARGETS, NUMBERED_LINKS))
        shown: dict[str, int] = {}
        for _ in range(MAX_PRINTS):
            pdf = page.pdf(prefer_css_page_size=True, print_background=True)
            pages = {k: v for k, v in link_target_pages(pdf).items() if k in targets}
            if pages == shown:
                break
            page.evaluate(SET_PAGES, [NUMBERED_LINKS, pages])
            shown = pages
        else:
            raise RuntimeError(
                f"page numbers did not settle after {MAX_PRINTS} prints of {html_file.name}"
            )
        out.write_bytes(fix_dates(pdf, when))
        return out


def renderer_error(stderr: str) -> str:
    """The line of the renderer's error output that says why it failed: the last one that is
    not Chromium's own log (`[pid=N][err] ...`), which it may write after the Python error."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    ours = [line for line in lines if not line.lstrip().startswith("[pid=")]
    return (ours or lines or ["no message"])[-1]


def _only_local(route: object) -> None:
    url = route.request.url  # type: ignore[attr-defined]
    if url.startswith(("file:", "data:")):
        route.continue_()  # type: ignore[attr-defined]
    else:
        route.abort()  # type: ignore[attr-defined]


class PdfJob:
    """A PDF printed by a child process while the parent writes the other formats: started
    first (Chromium launches and the PII detector loads while the parent builds the model),
    told what to print by `render()`; once printed, the child scans the PDF's text with the
    pack guard too (`privacymesh.packs.guard`), on the core the parent leaves it. A process
    of its own, not multiprocessing, so callers need no `__main__` guard. `result()` waits,
    returns the scan's report, and raises PackError with the child's last error line."""

    def __init__(self) -> None:
        import subprocess
        import sys

        self.out: Path | None = None
        self._process = subprocess.Popen(
            [sys.executable, "-m", "privacymesh.packs.pdf"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def render(self, html_file: Path, out: Path, when: datetime, root: Path) -> None:
        """Hand the child its one document; `root` is the pack folder the scan names files
        from."""
        import json

        self.out = out
        line = json.dumps(
            {"html": str(html_file), "out": str(out), "when": when.isoformat(), "root": str(root)}
        )
        assert self._process.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # the child died: result() says why
            self._process.stdin.write(line + "\n")
        self._close_stdin()

    def result(self) -> ScanReport:
        """Wait for the PDF; the guard's scan of its text (hits are the caller's to refuse)."""
        from privacymesh.packs.errors import PackError
        from privacymesh.packs.guard import ScanReport

        self._close_stdin()
        out, err = self._process.communicate()
        if self._process.returncode != 0 or self.out is None or not self.out.is_file():
            raise PackError(
                f"the PDF renderer failed: {renderer_error(err or '')}",
                file=self.out,
                hint="build with --no-pdf to get the other formats",
            )
        return ScanReport.from_json(out.strip().splitlines()[-1])

    def cancel(self) -> None:
        """Stop the child: an empty job makes it close Chromium itself; killed if it hangs."""
        import subprocess

        self._close_stdin()
        try:
            self._process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.communicate()

    def _close_stdin(self) -> None:
        stdin = self._process.stdin
        if stdin and not stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                stdin.close()
        self._process.stdin = None  # so communicate() does not flush it


def main(argv: list[str]) -> int:
    """`python -m privacymesh.packs.pdf HTML PDF DATE` prints one file; without arguments
    (PdfJob) Chromium is launched first and the job read from stdin as one JSON line."""
    if argv:
        write_pdf(Path(argv[0]), Path(argv[1]), datetime.fromisoformat(argv[2]))
        return 0
    import json
    import sys

    with Printer() as printer:
        from privacymesh.packs.guard import scan_files

        line = sys.stdin.readline()
        if not line.strip():
            return 0  # cancelled before any HTML was ready
        job = json.loads(line)
        out = printer.print(
            Path(job["html"]), Path(job["out"]), datetime.fromisoformat(job["when"])
        )
    print(scan_files(Path(job["root"]), [out], raise_on_hit=False).to_json())
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
