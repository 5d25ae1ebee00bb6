"""The neutral storage-class vocabulary (omefs.classes): names, mapping, errors. No server."""

from __future__ import annotations

import pickle

import pytest

import omefs
from omefs import classes
from omefs.providers import get_provider

TABLE = {  # the documented table: neutral -> (S3, GCS, Azure, OCI)
    "STANDARD": ("STANDARD", "STANDARD", "Hot", "Standard"),
    "INFREQUENT": ("STANDARD_IA", "NEARLINE", "Cool", "InfrequentAccess"),
    "COLD": ("GLACIER_IR", "COLDLINE", "Cold", None),
    "ARCHIVE": ("GLACIER", "ARCHIVE", "Archive", "Archive"),
}
PROVIDERS = ("s3", "gcs", "azure", "oci")


@pytest.mark.parametrize("neutral", sorted(TABLE))
def test_neutral_to_native_and_back(neutral):
    for name, native in zip(PROVIDERS, TABLE[neutral], strict=True):
        provider = get_provider(name)
        if native is None:
            with pytest.raises(omefs.ConfigError, match=f"no {neutral}"):
                classes.to_native(provider, neutral)
            continue
        assert classes.to_native(provider, neutral.lower()) == native
        assert classes.to_native(provider, native.swapcase()) == native
        assert classes.to_neutral(provider, native) == neutral


def test_native_only_names_read_as_their_nearest_neutral_class():
    s3 = get_provider("s3")
    assert classes.to_native(s3, "deep_archive") == "DEEP_ARCHIVE"
    assert [classes.to_neutral(s3, n) for n in ("DEEP_ARCHIVE", "ONEZONE_IA", "INTELLIGENT_TIERING")] \
        == ["ARCHIVE", "INFREQUENT", "STANDARD"]
    assert classes.to_neutral(get_provider("gcs"), "REGIONAL") == "STANDARD"


def test_preserve_maps_to_the_nearest_class_warmer_first():
    oci, gcs = get_provider("oci"), get_provider("gcs")
    assert classes.nearest(oci, "COLD") == "InfrequentAccess"
    assert classes.nearest(oci, "ARCHIVE") == "Archive"
    assert classes.nearest(gcs, "COLD") == "COLDLINE"
    assert classes.nearest(gcs, None) is None


def test_errors_list_what_is_accepted():
    with pytest.raises(omefs.ConfigError) as caught:
        classes.to_native(get_provider("azure"), "frozen")
    assert "unknown storage class 'frozen' for Azure" in str(caught.value)
    assert "Hot, Cool, Cold, Archive" in str(caught.value)
    with pytest.raises(omefs.ConfigError, match="only applies to a copy"):
        classes.to_native(get_provider("s3"), "preserve")
    with pytest.raises(omefs.ConfigError, match="GitHub has no storage classes"):
        classes.to_native(get_provider("github"), "STANDARD")


def test_archived_classes_and_error_pickles():
    assert classes.archived(get_provider("s3"), "deep_archive")
    assert not classes.archived(get_provider("gcs"), "ARCHIVE")  # readable at once on GCS
    err = omefs.ArchivedObjectError("read refused", storage_class_native="GLACIER", uri="s3://b/k")
    again = pickle.loads(pickle.dumps(err))
    assert (again.storage_class, again.storage_class_native, again.uri) == ("ARCHIVE", "GLACIER",
                                                                           "s3://b/k")
    assert isinstance(again, omefs.OmefsError) and isinstance(again, PermissionError)
