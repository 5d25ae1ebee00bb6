"""The TLS policy every provider applies: no credentials in clear, no silent trust.

* **Credentials never go over plain ``http://``** to another machine:
  :func:`check_endpoint` refuses an ``http://`` endpoint that would be sent
  credentials unless its host is this machine (``127.0.0.0/8``, ``::1``,
  ``localhost``: emulators and tunnels) or the caller says
  ``allow_http=True``. Anonymous access over http is left alone.
* **Turning certificate checks off is never silent**: :func:`note_verify`
  logs one warning per endpoint and process, naming the endpoint.
* **A private CA is trusted with** ``ca_bundle`` (a PEM file): the supported
  way to reach an endpoint whose certificate a public CA did not sign,
  instead of ``verify=False``.
* **TLS 1.2 is the floor**: :func:`ssl_context` builds the context the
  hand-written clients (OCI, GitHub) use, with ``minimum_version`` TLS 1.2,
  certificate and host name checks on, and the ``ca_bundle`` when given.

Providers call these from their connection code, with the settings their
users give (``verify``, ``ca_bundle``, ``allow_http`` in auth settings or
storage options).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import ssl
import threading
from typing import Any
from urllib.parse import urlsplit

from omefs.errors import ConfigError
from omefs.redact import redact_text

__all__ = ["POLICY_OPTIONS", "check_endpoint", "endpoint_policy", "is_loopback", "note_verify",
           "ssl_context", "tls_adapter", "verify_setting"]

#: The options (storage options or auth settings) the policy reads.
POLICY_OPTIONS = ("verify", "ca_bundle", "allow_http")

log = logging.getLogger("omefs.tls")

_warned: set[str] = set()
_lock = threading.Lock()
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` is this machine (a loopback address or ``localhost``)."""
    if not host:
        return False
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _endpoint_label(url: str) -> str:
    parts = urlsplit(url)
    return redact_text(f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}")


def check_endpoint(url: str | None, *, credentials: bool, allow_http: Any = False,
                   provider: str = "") -> None:
    """Refuse sending credentials to ``url`` over plain http, unless it is loopback or allowed.

    Raises :class:`~omefs.errors.ConfigError` naming the endpoint and what
    is accepted: an ``https://`` endpoint, a loopback host, or ``allow_http=True``.
    """
    if not url or not credentials:
        return
    parts = urlsplit(str(url))
    if parts.scheme.lower() != "http" or is_loopback(parts.hostname):
        return
    if _flag(allow_http):
        log.warning("sending credentials over plain http to %s (allow_http=True)",
                    _endpoint_label(str(url)))
        return
    who = f"{provider}: " if provider else ""
    raise ConfigError(
        f"{who}refusing to send credentials over plain http to {_endpoint_label(str(url))}; "
        "accepted: an https:// endpoint, a loopback host (127.0.0.1, ::1, localhost), or "
        "allow_http=True to send them in clear anyway")


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


def verify_setting(verify: Any = None, ca_bundle: Any = None) -> bool | str:
    """One certificate setting from ``verify`` and ``ca_bundle``: True, False, or a CA bundle path.

    ``ca_bundle`` (a PEM file that must exist) wins; ``verify`` may be a
    bool, ``"true"``/``"false"``, or a bundle path itself. Bad values raise
    :class:`~omefs.errors.ConfigError`.
    """
    if ca_bundle not in (None, ""):
        path = os.path.expanduser(str(ca_bundle))
        if not os.path.isfile(path):
            raise ConfigError(f"ca_bundle {path!r} is not a file; accepted: the path of a PEM "
                              "file holding the CA certificates to trust")
        return path
    if verify is None or isinstance(verify, bool):
        return True if verify is None else verify
    text = str(verify).strip()
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    return verify_setting(None, text)


def note_verify(verify: Any, endpoint: str | None) -> None:
    """Log one warning (per endpoint and process) when certificate checks are turned off."""
    if verify is not False:
        return
    label = _endpoint_label(endpoint) if endpoint else "the default endpoint"
    with _lock:
        if label in _warned:
            return
        _warned.add(label)
    log.warning("TLS certificate checks are off for %s (verify=False): anyone on the path can "
                "read and change the traffic; trust a private CA with ca_bundle instead", label)


def endpoint_policy(endpoint: str | None, *, credentials: bool, provider: str,
                    options: Any = None, settings: Any = None) -> bool | str:
    """The whole policy for one endpoint; the certificate setting to use (True, False, a path).

    ``options`` (storage options) win over ``settings`` (the auth config's)
    for :data:`POLICY_OPTIONS`: credentials over remote plain http refused
    (:func:`check_endpoint`), ``verify``/``ca_bundle`` read
    (:func:`verify_setting`), one warning when checks are off (:func:`note_verify`).
    """
    value = {k: (options or {}).get(k) for k in POLICY_OPTIONS}
    for key in POLICY_OPTIONS:
        if value[key] is None:
            value[key] = (settings or {}).get(key)
    check_endpoint(endpoint, credentials=credentials, allow_http=value["allow_http"] or False,
                   provider=provider)
    verify = verify_setting(value["verify"], value["ca_bundle"])
    note_verify(verify, endpoint)
    return verify


def ssl_context(verify: bool | str = True) -> ssl.SSLContext:
    """A client context: TLS 1.2 or later; certificates checked against the system's CAs or
    the bundle ``verify`` names; no checks for ``verify=False`` (see :func:`note_verify`)."""
    ctx = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if verify is False:  # the caller warned (note_verify), once per endpoint
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def tls_adapter(adapter_class: Any, context: ssl.SSLContext, **kwargs: Any) -> Any:
    """An instance of a requests ``HTTPAdapter`` class whose connections use ``context``."""

    class _Adapter(adapter_class):  # type: ignore[misc]
        def init_poolmanager(self, *args: Any, **pool_kwargs: Any) -> Any:
            pool_kwargs["ssl_context"] = context
            return super().init_poolmanager(*args, **pool_kwargs)

        def proxy_manager_for(self, *args: Any, **proxy_kwargs: Any) -> Any:
            proxy_kwargs["ssl_context"] = context
            return super().proxy_manager_for(*args, **proxy_kwargs)

    return _Adapter(**kwargs)
