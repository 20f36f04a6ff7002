import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()


def warm_up() -> None:
    """Do once, at import, what each web worker would otherwise do on its first
    request: import every view (the URL configuration) and compile the
    portal's templates. gunicorn
    loads this module in its master (preload_app), so a worker recycled under
    load starts warm instead of holding up the requests that first need a
    page's templates. Opens no connection to the database or Redis."""
    from pathlib import Path

    from django.template import engines
    from django.template.loader import get_template
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URL configuration
    for engine in engines.all():
        for folder in map(Path, engine.template_dirs):
            if "site-packages" in folder.parts:
                continue
            for path in sorted(folder.rglob("*")):
                if path.suffix in {".html", ".txt", ".svg"} and path.is_file():
                    get_template(path.relative_to(folder).as_posix())
                elif path.suffix == ".jinja" and path.is_file():
                    engine.get_template(path.relative_to(folder).as_posix())


warm_up()
