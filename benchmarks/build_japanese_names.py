"""Extract the Japanese person names of IPADIC (as the `janome` package ships it) into the small
word file the detector reads: `src/privacymesh/detect/data/ipadic_names.json.gz`.

The detector needs only IPADIC's family and given names and their readings (about 150 KB
compressed), not janome's 200 MB of dictionary and tokenizer, so janome is needed only here
(the `bench` extra). Deterministic: the same janome gives the same bytes.

    .venv/bin/python benchmarks/build_japanese_names.py
"""

from __future__ import annotations

import gzip
import json
from importlib import metadata
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/privacymesh/detect/data/ipadic_names.json.gz"

# IPADIC's part-of-speech tags of a family name and a given name
FAMILY = "名詞,固有名詞,人名,姓"
GIVEN = "名詞,固有名詞,人名,名"


def extract() -> dict[str, list[str]]:
    from janome import sysdic

    out: dict[str, set[str]] = {
        k: set() for k in ("family", "given", "family_reading", "given_reading")
    }
    for entry in sysdic.entries(compact=False).values():
        pos = entry[4]
        kind = "family" if pos == FAMILY else "given" if pos == GIVEN else ""
        if kind and not entry[0].isascii():
            out[kind].add(entry[0])
            out[f"{kind}_reading"].add(entry[8])
    return {k: sorted(v) for k, v in out.items()}


def main() -> None:
    names = extract()
    doc = {
        "source": f"IPADIC (mecab-ipadic) as shipped by janome {metadata.version('janome')}",
        "licence": "IPADIC-LICENSE.txt beside this file",
        **names,
    }
    blob = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(gzip.compress(blob, compresslevel=9, mtime=0))
    counts = ", ".join(f"{k} {len(v):,}" for k, v in names.items())
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes): {counts}")


if __name__ == "__main__":
    main()
