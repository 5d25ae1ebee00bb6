"""S3 storage options and the ``BUCKET@REGION`` path form, without s3fs.

The ``s3://`` filesystem (:mod:`.fs`) and its obstore front (:mod:`.front`)
take the same options and the same URLs; both translate them here, so a
front and the filesystem it stands for reach one endpoint with one identity.
"""

from __future__ import annotations

from typing import Any

from omefs.encryption import check_transport
from omefs.providers.aws import PROVIDER
from omefs.providers.aws import encryption as sse
from omefs.providers.base import URISyntaxError

__all__ = ["split_region", "translate_options"]


def split_region(path: str) -> tuple[str, str | None]:
    """``BUCKET@REGION/PATH`` (scheme optional) as ``(BUCKET/PATH, REGION)``, by the
    ``s3://`` grammar (:meth:`omefs.providers.aws.S3Provider.parse_uri_parts`); any
    other path unchanged, with no region."""
    bare = path.split("://", 1)[-1]
    try:
        fields = PROVIDER.parse_uri_parts("s3", bare, path)
    except URISyntaxError:
        return path, None
    if not fields["region"]:
        return path, None
    return fields["bucket"] + ("/" + fields["path"] if "/" in bare else ""), fields["region"]


def translate_options(kwargs: dict[str, Any], encryption: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """omefs's S3 options in s3fs's spelling: ``region`` and the TLS policy
    (:mod:`omefs.tls`) into ``client_kwargs``, the encryption setting into
    ``s3_additional_kwargs``. ``settings`` are the auth config's (where the TLS
    options may be given too)."""
    from omefs.tls import endpoint_policy

    region = kwargs.pop("region", None)
    client_kwargs = dict(kwargs.get("client_kwargs") or {})
    if region:
        client_kwargs.setdefault("region_name", region)
    # The TLS policy (omefs.tls): botocore takes the certificate setting as ``verify``.
    tls = {"verify": client_kwargs.get("verify", kwargs.pop("verify", None)),
           "ca_bundle": kwargs.pop("ca_bundle", None),
           "allow_http": kwargs.pop("allow_http", None)}
    endpoint = kwargs.get("endpoint_url") or client_kwargs.get("endpoint_url")
    verify = endpoint_policy(endpoint, credentials=not kwargs.get("anon"), provider="s3",
                             options=tls, settings=settings)
    if verify is not True:
        client_kwargs["verify"] = verify
    if client_kwargs or "client_kwargs" in kwargs:
        kwargs["client_kwargs"] = client_kwargs
    if encryption is not None:
        endpoint = (kwargs.get("client_kwargs") or {}).get("endpoint_url") or kwargs.get(
            "endpoint_url") or "https://s3.amazonaws.com"
        check_transport(encryption, endpoint, "s3")
        kwargs["s3_additional_kwargs"] = {**sse.request_params(encryption),
                                          **(kwargs.get("s3_additional_kwargs") or {})}
    return kwargs
