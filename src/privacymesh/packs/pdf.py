"""PDF output with WeasyPrint: the same HTML as `index.html`, laid out for print by the CSS
paged-media rules of the templates (running headers with pack id and period, page numbers, a
table of contents with page numbers). WeasyPrint writes the same bytes for the same HTML.

WeasyPrint is optional (`pip install 'privacymesh[pdf]'`) and needs pango from the system
(Debian: `apt-get install -y libpango-1.0-0 libpangoft2-1.0-0`). Without it packs are built
without the PDF and say why."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = (
    "install the PDF extra (pip install 'privacymesh[pdf]') and pango "
    "(Debian/Ubuntu: apt-get install -y libpango-1.0-0 libpangoft2-1.0-0)"
)


@dataclass(frozen=True)
class PdfSupport:
    """Whether PDFs can be written here: the renderer's name, or why not."""

    renderer: str | None
    reason: str | None = None

    @property
    def available(self) -> bool:
        return self.renderer is not None


def pdf_support() -> PdfSupport:
    """Try to load WeasyPrint (importing it loads pango; a missing library is an OSError)."""
    try:
        import weasyprint
    except ImportError:
        return PdfSupport(None, f"WeasyPrint is not installed; {INSTALL_HINT}")
    except OSError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return PdfSupport(
            None, f"WeasyPrint cannot load its system libraries ({first}); {INSTALL_HINT}"
        )
    return PdfSupport(f"WeasyPrint {weasyprint.__version__}")


def _offline_fetcher():  # type: ignore[no-untyped-def]
    """A URL fetcher that fetches nothing from outside (packs hold no external reference)."""
    from weasyprint import urls

    if hasattr(urls, "URLFetcher"):
        return urls.URLFetcher(allowed_protocols={"data"})

    def refuse(url: str, timeout: int = 10, ssl_context: object = None) -> dict:
        raise ValueError(f"packs fetch nothing from outside: {url}")

    return refuse


def write_pdf(html: str, out: Path, base: Path) -> Path:
    """Render HTML to a PDF file. `base` resolves relative links (none is fetched)."""
    import weasyprint

    document = weasyprint.HTML(
        string=html, base_url=str(base), media_type="print", url_fetcher=_offline_fetcher()
    )
    out.write_bytes(document.write_pdf())
    return out


class PdfJob:
    """A PDF rendered by a child process (`python -m privacymesh.packs.pdf HTML PDF`) while the
    parent writes the other formats: WeasyPrint is the slowest step and single-threaded. A
    process of its own, not multiprocessing, so callers need no `__main__` guard.
    `result()` waits and raises PackError with the child's last error line."""

    def __init__(self, html_file: Path, out: Path) -> None:
        import subprocess
        import sys

        self.out = out
        self._process = subprocess.Popen(
            [sys.executable, "-m", "privacymesh.packs.pdf", str(html_file), str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def result(self) -> Path:
        from privacymesh.packs.errors import PackError

        _, err = self._process.communicate()
        if self._process.returncode != 0 or not self.out.is_file():
            lines = [line for line in (err or "").splitlines() if line.strip()]
            raise PackError(
                f"the PDF renderer failed: {lines[-1] if lines else 'no message'}",
                file=self.out,
                hint="build with --no-pdf to get the other formats",
            )
        return self.out

    def cancel(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.communicate()


def main(argv: list[str]) -> int:
    """`python -m privacymesh.packs.pdf HTML PDF`: render one file (used by PdfJob)."""
    html_file, out = Path(argv[0]), Path(argv[1])
    write_pdf(html_file.read_text("utf-8"), out, html_file.parent)
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
