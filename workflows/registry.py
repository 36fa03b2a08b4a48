"""Parsed specs, cached by content hash: a diagram version is parsed once per process, never per request."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from .parser import ParsedDiagram, build_spec, parse_xml


def diagram_sha256(xml: bytes | str) -> str:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    return hashlib.sha256(data).hexdigest()


class SpecCache:
    """A small LRU of parsed diagrams. Deployed diagrams were linted already, so this only parses."""

    def __init__(self, capacity: int = 256):
        self.capacity = capacity
        self._items: OrderedDict[str, ParsedDiagram] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sha256: str, xml: bytes | str) -> ParsedDiagram:
        with self._lock:
            parsed = self._items.get(sha256)
            if parsed is not None:
                self._items.move_to_end(sha256)
                return parsed
        parsed = build_spec(parse_xml(xml))
        with self._lock:
            self._items[sha256] = parsed
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return parsed

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
