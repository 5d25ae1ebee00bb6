"""Every ```python block in docs/ runs, so the examples stay true.

Blocks of one page run in order in one namespace, as a reader would run
them. Snippets that need a real cloud account are written as ```text or
```console blocks, not ```python. A page whose examples need the local
servers names them on a ``<!-- docs-servers: s3 gcs … -->`` line
(:mod:`tests.docs_servers`): its URLs are routed to those servers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import docs_servers
from tests.servers.auth_fixtures import tls_files  # noqa: F401 - for azure-arm
from tests.servers.azure_arm_fixtures import azure_arm, azure_arm_server  # noqa: F401
from tests.servers.github_fixtures import *  # noqa: F401,F403
from tests.servers.oci_fixtures import *  # noqa: F401,F403

DOCS = Path(__file__).resolve().parent.parent / "docs"
BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```", re.S | re.M)
PAGES = sorted(DOCS.rglob("*.md"))


def test_docs_exist():
    names = {p.relative_to(DOCS).as_posix() for p in PAGES}
    assert {"index.md", "uri.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_python_blocks_run(page: Path, tmp_path, monkeypatch, request):
    text = page.read_text()
    blocks = BLOCK.findall(text)
    if not blocks:
        pytest.skip(f"{page.name} has no python blocks")
    servers = docs_servers.servers_of(text)
    if servers:
        from tests.servers import clear_fsspec_caches

        monkeypatch.setenv("OMEFS_CONFIG", str(docs_servers.start(servers, request, tmp_path)))
        clear_fsspec_caches()
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    for index, code in enumerate(blocks, 1):
        try:
            exec(compile(code, f"{page.name}[block {index}]", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the failure message is the point
            pytest.fail(f"{page.relative_to(DOCS)} block {index} failed: {type(exc).__name__}: {exc}")


def test_mkdocs_nav_points_at_existing_pages():
    import yaml

    nav = yaml.safe_load((DOCS.parent / "mkdocs.yml").read_text())["nav"]

    def pages(items):
        for item in items:
            for value in item.values():
                if isinstance(value, list):
                    yield from pages(value)
                else:
                    yield value

    missing = [p for p in pages(nav) if not (DOCS / p).exists()]
    assert not missing, f"mkdocs nav names pages that do not exist: {missing}"
