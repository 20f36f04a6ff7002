import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()


def warm_up() -> None:
    """Do once, at import, what each web worker would otherwise do on its first
    request: import every view (the URL configuration), read the templates'
    digest (portal.fragments) and compile the layout. gunicorn loads this
    module in its master (preload_app), so a worker recycled under load
    starts warm instead of holding up requests for half a second. Opens no
    connection to the database or Redis."""
    from django.template.loader import get_template
    from django.urls import get_resolver

    from portal import fragments

    get_resolver().url_patterns  # noqa: B018 - imports the URL configuration
    fragments.release_digest()
    get_template("base.html")


warm_up()
