"""The spec cache: one parse per diagram version, bounded size, stable content hashes."""

from __future__ import annotations

import hashlib

import pytest

import workflows.registry as registry
from workflows.errors import DiagramRejected
from workflows.registry import SpecCache, diagram_sha256

from .support import ORGANIZATION_XML, diagram, replaced


@pytest.fixture
def parse_count(monkeypatch) -> list[str]:
    """Counts calls of the real ``build_spec`` the cache uses, by process id."""
    calls: list[str] = []
    real = registry.build_spec

    def counting(root, *args, **kwargs):
        parsed = real(root, *args, **kwargs)
        calls.append(parsed.process_id)
        return parsed

    monkeypatch.setattr(registry, "build_spec", counting)
    return calls


VERSIONS = {
    "organization": ORGANIZATION_XML,
    "timer": diagram("timer.bpmn"),
    "service": diagram("service.bpmn"),
}


def get(cache: SpecCache, name: str):
    xml = VERSIONS[name]
    return cache.get(diagram_sha256(xml), xml)


def test_a_version_is_parsed_once(parse_count):
    cache = SpecCache()
    first = get(cache, "organization")
    second = get(cache, "organization")
    assert second is first
    assert parse_count == ["organization"]
    assert first.process_id == "organization" and first.spec is second.spec


def test_lookup_is_by_hash_not_by_text(parse_count):
    cache = SpecCache()
    sha = diagram_sha256(ORGANIZATION_XML)
    first = cache.get(sha, ORGANIZATION_XML)
    assert cache.get(sha, "ignored: the hash already names a parsed version") is first
    assert parse_count == ["organization"]


def test_each_version_is_parsed_separately(parse_count):
    cache = SpecCache()
    v1 = ORGANIZATION_XML
    v2 = replaced('name="审批"', 'name="审批（第二版）"')
    p1, p2 = cache.get(diagram_sha256(v1), v1), cache.get(diagram_sha256(v2), v2)
    assert p1 is not p2
    assert p1.spec.task_specs["Task_review"].bpmn_name == "审批"
    assert p2.spec.task_specs["Task_review"].bpmn_name == "审批（第二版）"
    assert parse_count == ["organization", "organization"]
    assert cache.get(diagram_sha256(v1), v1) is p1 and cache.get(diagram_sha256(v2), v2) is p2
    assert len(parse_count) == 2


def test_least_recently_used_is_evicted_beyond_capacity(parse_count):
    cache = SpecCache(capacity=2)
    org = get(cache, "organization")
    timer = get(cache, "timer")
    assert get(cache, "organization") is org  # organization is now the most recently used
    get(cache, "service")  # evicts timer, the least recently used
    assert parse_count == ["organization", "timer", "service"]
    assert get(cache, "organization") is org
    assert parse_count == ["organization", "timer", "service"]
    timer_again = get(cache, "timer")  # parsed again, evicting service (organization was just used)
    assert timer_again is not timer
    assert get(cache, "organization") is org
    assert parse_count == ["organization", "timer", "service", "timer"]
    get(cache, "service")  # parsed again, evicting timer
    assert get(cache, "timer") is not timer_again
    assert parse_count == ["organization", "timer", "service", "timer", "service", "timer"]
    assert len(cache._items) == 2


def test_clear_forgets_everything(parse_count):
    cache = SpecCache()
    first = get(cache, "organization")
    cache.clear()
    assert get(cache, "organization") is not first
    assert parse_count == ["organization", "organization"]


def test_broken_diagram_is_not_cached(parse_count):
    cache = SpecCache()
    broken = ORGANIZATION_XML[:200]
    for _ in range(2):
        with pytest.raises(DiagramRejected):
            cache.get(diagram_sha256(broken), broken)
    assert parse_count == []


def test_diagram_sha256_is_stable():
    text = ORGANIZATION_XML
    digest = diagram_sha256(text)
    assert digest == diagram_sha256(text) == diagram_sha256(text.encode("utf-8"))
    assert digest == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert diagram_sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert diagram_sha256("审批") == hashlib.sha256("审批".encode()).hexdigest()
    assert diagram_sha256(text + " ") != digest
