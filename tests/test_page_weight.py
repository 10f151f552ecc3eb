"""Issue 10's page-weight target, in production mode: an officer page's first
load is at most 150 KB on the wire (compressed), a repeat visit at most 30 KB,
because every static file is compressed and carries far-future immutable cache
headers, so a repeat visit is the page alone. The measurement is
bench/page_weight.py's (collectstatic with DEBUG=0, gunicorn and WhiteNoise,
the demo data; pages counted as the recipe's nginx compresses them)."""

import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import page_weight  # noqa: E402


@pytest.fixture(scope="module")
def weights():
    with page_weight.production_site() as (base, seeded):
        yield page_weight.measure(base, seeded)


@pytest.mark.slow
def test_officer_pages_weigh_at_most_150_kb_first_and_30_kb_again(weights):
    names = [name for name, _first, _repeat in weights]
    assert names == [
        "sign-in page",
        "village dashboard",
        "household list",
        "household form",
        "member page",
        "offline entry page",
    ]
    for name, first, repeat in weights:
        assert page_weight.kilobytes(first) <= page_weight.FIRST_LOAD_LIMIT_KB, (
            name,
            [(a.url, a.wire_bytes) for a in first],
        )
        assert page_weight.kilobytes(repeat) <= page_weight.REPEAT_VISIT_LIMIT_KB, (
            name,
            [(a.url, a.wire_bytes) for a in repeat],
        )


@pytest.mark.slow
def test_static_files_are_compressed_and_kept_for_good_so_a_repeat_visit_is_the_page_alone(weights):
    for name, first, repeat in weights:
        static = [a for a in first if "/static/" in a.url]
        # A stylesheet and a script at least: the page is not measured without its assets.
        assert any(a.url.endswith(".css") for a in static), name
        assert any(a.url.endswith(".js") for a in static), name
        for asset in static:
            assert asset.status == 200, asset.url
            # A hashed name: a new release is a new URL, so the old one may be kept for good.
            assert re.search(r"\.[0-9a-f]{12}\.\w+$", asset.url), asset.url
            assert asset.long_cached, (asset.url, asset.headers.get("cache-control"))
            if asset.url.endswith((".css", ".js")):
                assert asset.headers.get("content-encoding") == "gzip", asset.url
        # Again: the page (and a favicon request, which has no file to keep), no static file.
        assert repeat[0].url == first[0].url
        assert not [a.url for a in repeat if "/static/" in a.url], name


@pytest.mark.slow
def test_officer_pages_count_what_the_offline_service_worker_fetches(weights):
    # The worker an officer's page registers fetches its script on every visit,
    # the offline page's files on the first and the offline page itself: bytes
    # on the phone's connection, so they count in the page's weight.
    for name, first, repeat in weights[1:]:
        for visit in (first, repeat):
            paths = [urlsplit(a.url).path for a in visit]
            assert "/sw.js" in paths, (name, paths)
            assert any(re.fullmatch(r"/desa/[^/]+/luring/", path) for path in paths[1:]), (name, paths)
        assert any(urlsplit(a.url).path.startswith("/static/js/offline.") for a in first), name
