"""The benchmark's phone (bench/browser.py) against the test server: it
counts what came over the throttled network on a first and a repeat visit,
and reads the largest contentful paint."""

import pytest
from django.test import Client

from bench import browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_phone_counts_the_bytes_of_each_visit_and_the_paint(chromium, live_server, world):
    client = Client()
    client.force_login(world.parent)
    cookies = {"sessionid": client.cookies["sessionid"].value}

    found = browser.measure_visits(chromium, live_server.url, cookies)

    first, repeat = found["first"], found["repeat"]
    assert found["viewport"] == 375 and found["network"] == "slow 4G"
    # The page and its stylesheet and script (Bootstrap's alone is tens of KB).
    assert first["requests"] >= 3
    assert first["bytes"] > 20_000
    # The throttled network's latency alone holds the first paint past 562 ms.
    assert first["lcp_ms"] is not None and first["lcp_ms"] > 562
    assert repeat["lcp_ms"] is not None
    assert 0 < repeat["bytes"] <= first["bytes"]
