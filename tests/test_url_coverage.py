"""Every URL of ours, with or without an argument, has a row in the permission
matrix (or a stated exemption): the matrix, the header test and the fuzz test
all walk those rows, so a URL without one would go untested by all three."""

from django.urls import get_resolver

from tests.matrix import OUR_APPS, _walk, all_exemptions, all_routes


def our_url_names() -> set[str]:
    return {
        name
        for name, pattern in _walk(get_resolver().url_patterns)
        if getattr(pattern.callback, "__module__", "").split(".")[0] in OUR_APPS
    }


def test_every_url_of_ours_is_in_the_matrix():
    covered = {route.name for route in all_routes()} | set(all_exemptions())
    missing = our_url_names() - covered
    assert not missing, f"URLs with no permission-matrix row: {sorted(missing)}"
