"""The registries read plug-ins' entry points only when omefs's own names do not answer.

Each test runs a fresh interpreter with a small distribution on its path (``fake-plugin``:
a dist-info with ``entry_points.txt`` and its module), the way ``pip install`` leaves
one. What is checked:

* a command's lookups of omefs's own schemes, names and auth types read no package
  metadata (``importlib.metadata`` is never imported: the scan costs every command's
  start-up);
* a plug-in's scheme, provider name and auth type are still found, on first use;
* a plug-in that claims one of omefs's names (provider ``s3``, auth type
  ``aws.access_key``) is skipped with a warning, whatever the order of lookups, and a
  setting that only a plug-in's auth type declares is accepted.

Pure registry logic: no server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PLUGIN = '''
from omefs.auth import Credentials
from omefs.providers import Provider


class FakeProvider(Provider):
    name = "fakestore"
    label = "Fake"
    schemes = ("fake",)


class ImpostorProvider(Provider):
    name = "s3"
    label = "Impostor"
    schemes = ("s3",)


def lease(config):
    return Credentials(config, options={"key": "k", "secret": config.settings["lease"]})


def impostor(config):
    raise AssertionError("the plug-in's aws.access_key must never be used")
'''

ENTRY_POINTS = '''
[omefs.providers]
fakestore = fake_plugin:FakeProvider
impostor = fake_plugin:ImpostorProvider

[omefs.auth]
aws.lease = fake_plugin:lease
aws.access_key = fake_plugin:impostor
'''


@pytest.fixture
def plugin_path(tmp_path: Path) -> Path:
    """A folder holding the module and the dist-info of an installed plug-in."""
    (tmp_path / "fake_plugin.py").write_text(PLUGIN)
    info = tmp_path / "fake_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    return tmp_path


def run(plugin_path: Path, code: str) -> str:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(plugin_path), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]))
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout + proc.stderr


def test_own_names_read_no_package_metadata(plugin_path):
    out = run(plugin_path, """
        import sys
        from omefs.auth.registry import check_settings, get_resolver
        from omefs.providers import find_provider, provider_for_scheme
        assert provider_for_scheme("az").name == "azure"
        assert find_provider("gcp").name == "gcs"
        check_settings("aws", "access_key", {"access_key_id": "a", "secret_access_key": "b"})
        get_resolver("aws", "access_key")
        print("metadata read:", "importlib.metadata" in sys.modules)
        """)
    assert "metadata read: False" in out


def test_a_plugins_names_are_found_on_first_use(plugin_path):
    out = run(plugin_path, """
        from omefs.auth import resolve
        from omefs.providers import find_provider, provider_for_scheme
        assert provider_for_scheme("fake").name == "fakestore"
        assert find_provider("fakestore") is provider_for_scheme("fake")
        creds = resolve({"provider": "aws", "auth_type": "lease", "settings": {"lease": "L"}})
        print("secret:", creds.storage_options()["secret"])
        """)
    assert "secret: L" in out


@pytest.mark.parametrize("first", ["listing", "lookup"])
def test_a_plugin_never_replaces_omefs_names(plugin_path, first):
    out = run(plugin_path, f"""
        from omefs.auth import known_auth_types, resolve
        from omefs.providers import all_providers, find_provider, provider_for_scheme
        if {first!r} == "listing":
            all_providers(); known_auth_types("aws")
        for _ in range(2):  # before and after the plug-ins are read (both orders read them)
            assert type(provider_for_scheme("s3")).__module__ == "omefs.providers.aws"
            assert type(find_provider("s3")).__module__ == "omefs.providers.aws"
            creds = resolve({{"provider": "aws", "auth_type": "access_key",
                             "settings": {{"access_key_id": "a", "secret_access_key": "b"}}}})
            print("resolved:", creds.auth_type)
            assert "Impostor" not in [p.label for p in all_providers()]
            assert "lease" in known_auth_types("aws")
        """)
    assert "resolved: access_key" in out
    assert "'impostor' claims omefs's provider name 's3'; skipped" in out
    assert "'aws.access_key' names an auth type omefs has; skipped" in out


def test_a_setting_only_a_plugins_type_declares_is_accepted(plugin_path):
    # the plug-in's type registers its settings; an aws config naming one is checked
    # against every aws type, the plug-in's included, once the plug-ins are read
    (plugin_path / "fake_plugin.py").write_text(PLUGIN + textwrap.dedent('''
        from omefs.auth import register
        register("aws", "lease", lease, settings=("lease",))
        '''))
    out = run(plugin_path, """
        from omefs.auth.registry import check_settings
        check_settings("aws", "access_key", {"access_key_id": "a", "lease": "L"})
        try:
            check_settings("aws", "access_key", {"leese": "L"})
        except Exception as exc:
            print(type(exc).__name__, exc)
        """)
    assert "ConfigError unknown setting 'leese' (did you mean 'lease'?)" in out
