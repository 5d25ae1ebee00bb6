"""GCS object generations against gcp-storage-emulator.

The emulator keeps no generations of its own: tests/servers/gcs_generations.py
(loaded by the emulator's launcher) adds them as the GCS JSON API reference
describes, so these tests talk to the emulator with that layer answering.
"""

from __future__ import annotations

import omefs
from tests.providers.versions_story import run_versions_story


def test_versions_story_on_the_emulator(gcs_env):
    options = gcs_env.storage_options()
    omefs.filesystem("gs", **options).mkdir("versioned")
    final = run_versions_story("gs://versioned", "1234567890123456789", **options)
    assert [v.is_latest for v in final] == [True, False, False]


def test_delete_keeps_the_generation_and_the_native_form_reads_it(gcs_env):
    options = gcs_env.storage_options()
    fs = omefs.filesystem("gs", **options)
    fs.mkdir("history")
    assert omefs.versioning("gs://history/a.txt", enabled=True, **options) == "enabled"
    fs.pipe("history/a.txt", b"a")
    fs.rm("history/a.txt")
    (kept,) = omefs.list_versions("gs://history/a.txt", **options)
    assert not kept.is_latest and not fs.exists("history/a.txt")
    aware = omefs.filesystem("gs", version_aware=True, **options)
    assert aware.cat_file(f"history/a.txt#{kept.version_id}") == b"a"
    assert aware.cat_file(f"history/a.txt?generation={kept.version_id}") == b"a"
    omefs.restore_version("gs://history/a.txt", kept.version_id, **options)
    assert fs.cat("history/a.txt") == b"a"
