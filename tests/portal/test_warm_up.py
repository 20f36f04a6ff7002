"""gunicorn loads the portal once in its master and forks its workers from
it: the master compiles every template of the portal first, so a worker
recycled under load serves its first pages without compiling any."""

from django.template import engines


def test_warm_up_compiles_every_page_template():
    from portal.wsgi import warm_up

    [loader] = engines["django"].engine.template_loaders
    loader.reset()
    jinja = engines["jinja2"].env
    jinja.cache.clear()
    warm_up()
    compiled = set(loader.get_template_cache)
    for name in (
        "base.html",
        "goals/routines.html",
        "sessions_app/timeline.html",
        "bookings/includes/diary_day.html",
    ):
        assert name in compiled, name
    # The Jinja2 partials too (core/jinja.py), in Jinja2's own cache.
    assert any(key[1] == "goals/goal_cards.jinja" for key in jinja.cache), list(jinja.cache)
