"""The catalog, loaded once per process while its contract files stay the same.

Validating every contract against the ODCS schema takes about a second for the sample mesh;
the platform's operations (a governed session, a retention plan, a DSAR) each need the catalog,
so a process that runs several of them reuses it. The cache key is every contract file's path,
modification time and size, so an edited, added or removed contract loads afresh."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from privacymesh.catalog import Catalog, load_catalog
from privacymesh.catalog.catalog import CONTRACT_GLOB

_cache: OrderedDict[tuple[object, ...], Catalog] = OrderedDict()
_lock = threading.Lock()
_SIZE = 8


def catalog_for(root: Path) -> Catalog:
    """`load_catalog(root)`, reused while no contract file changed."""
    root = Path(root)
    if not root.is_dir():
        return load_catalog(root)  # raises the catalog's own error
    files = sorted(root.rglob(CONTRACT_GLOB))
    key = (str(root.resolve()), *((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files))
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    catalog = load_catalog(root)
    with _lock:
        _cache[key] = catalog
        while len(_cache) > _SIZE:
            _cache.popitem(last=False)
    return catalog
