"""Encryption at rest, provider-neutral: the :class:`Encryption` setting.

One setting says how a store encrypts the objects omefs writes, and which
key reads them back:

* ``provider`` — the service's own keys (SSE-S3, Google-managed,
  Microsoft-managed, Oracle-managed);
* ``kms`` with a ``key_id`` — a key of the cloud's key service (an SSE-KMS
  key ARN, a CMEK ``kmsKeyName``, an Azure encryption scope, an OCI Vault
  key OCID);
* ``customer`` with a 32-byte AES-256 key that the caller holds (SSE-C,
  CSEK, Azure CPK, OCI SSE-C). The service keeps only a hash of the key:
  every read needs the key again.

It is accepted

* in an auth config's ``settings`` (``{"encryption": {...}}``), so that a
  route or profile gives a bucket its default;
* as a filesystem option (``omefs.filesystem("s3", encryption=...)``, or a
  copy's ``src_options`` / ``dst_options``), which wins over the config;
* per call (``fs.open(path, "wb", encryption=...)``, ``pipe_file``,
  ``put_file``, ``cat_file``, ``get_file``, ``info``).

A customer key is a secret: it is registered with :mod:`omefs.redact`, so
it never shows in a repr, a log record, an exception or the CLI's output,
and it is only ever sent over HTTPS (``allow_insecure_customer_key`` lets
tests send it to a plain-http server on the loopback interface).

Each provider maps the setting onto its wire format in
``omefs.providers.<package>.encryption``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import inspect
import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from omefs.errors import ConfigError
from omefs.redact import MASK, Secret, install_sdk_log_redaction, register_secret

__all__ = [
    "CUSTOMER_KEY_BYTES",
    "MODES",
    "Encryption",
    "EncryptionOptions",
    "SecretBytes",
    "check_transport",
    "encryption_from_settings",
    "get_bucket_default",
    "parse_encryption",
    "resolve_encryption",
    "set_bucket_default",
]

#: The neutral modes, in the order the docs list them.
MODES = ("provider", "kms", "customer")
#: Every customer key is an AES-256 key.
CUSTOMER_KEY_BYTES = 32
#: The keys a mapping may carry (and their aliases).
_KEYS = {"mode": "mode", "key_id": "key_id", "kms_key_id": "key_id", "customer_key": "customer_key",
         "customer_key_file": "customer_key_file",
         "allow_insecure_customer_key": "allow_insecure_customer_key"}
# A per-process key: the fingerprint of a customer key in a repr tells two keys
# apart (fsspec's instance cache tokenizes reprs) without revealing either.
_FINGERPRINT_KEY = os.urandom(32)
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class SecretBytes(bytes):
    """Bytes that show as ``'***'`` in ``repr`` (a customer key handed to an SDK)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(MASK)


def _register(key: bytes) -> None:
    """Register every text form of ``key`` in which it could be shown."""
    register_secret(base64.b64encode(key).decode())
    register_secret(base64.urlsafe_b64encode(key).decode())
    register_secret(key.hex())
    register_secret(key.hex().upper())
    try:
        register_secret(key.decode())
    except UnicodeDecodeError:
        pass


@dataclass(frozen=True, repr=False)
class Encryption:
    """How objects are encrypted at rest: ``mode``, a KMS ``key_id`` or a customer key.

    Build one with :func:`parse_encryption`; the constructor checks the
    fields but does not decode keys.
    """

    mode: str = "provider"
    key_id: str | None = None
    customer_key: SecretBytes | None = field(default=None, compare=True)
    #: Test-only: allow a customer key over plain HTTP to a loopback server.
    allow_insecure_customer_key: bool = False

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(
                f"unknown encryption mode {self.mode!r}; accepted: {', '.join(MODES)}",
                operation="config")
        if self.mode == "kms" and not self.key_id:
            raise ConfigError("encryption mode 'kms' needs key_id (the KMS key or encryption "
                              "scope to encrypt with)", operation="config")
        if self.mode == "customer":
            if self.customer_key is None:
                raise ConfigError("encryption mode 'customer' needs customer_key (base64) or "
                                  "customer_key_file (a file holding the 32-byte key)",
                                  operation="config")
            if len(self.customer_key) != CUSTOMER_KEY_BYTES:
                raise ConfigError(
                    f"a customer key must be {CUSTOMER_KEY_BYTES} bytes (AES-256), "
                    f"got {len(self.customer_key)} bytes", operation="config")
            object.__setattr__(self, "customer_key", SecretBytes(self.customer_key))
            _register(self.customer_key)
            # SDKs log request headers at DEBUG: mask the key in every record from now on.
            install_sdk_log_redaction()
        elif self.customer_key is not None:
            raise ConfigError(f"customer_key is only used with mode 'customer', not {self.mode!r}",
                              operation="config")
        if self.mode != "kms" and self.key_id:
            raise ConfigError(f"key_id is only used with mode 'kms', not {self.mode!r}",
                              operation="config")

    # -- the key in the forms the services take -------------------------------
    @property
    def key(self) -> bytes:
        """The customer key (raises :class:`ConfigError` for the other modes)."""
        if self.customer_key is None:
            raise ConfigError(f"encryption mode {self.mode!r} has no customer key", operation="config")
        return self.customer_key

    @property
    def key_base64(self) -> Secret:
        """The customer key, base64 (a :class:`~omefs.redact.Secret`)."""
        return Secret(base64.b64encode(self.key).decode())

    @property
    def key_md5_base64(self) -> str:
        """Base64 of the key's MD5 (S3's integrity check of the key)."""
        return base64.b64encode(hashlib.md5(self.key).digest()).decode()

    @property
    def key_sha256_base64(self) -> str:
        """Base64 of the key's SHA-256 (GCS, Azure, OCI: how the service recognises the key)."""
        return base64.b64encode(hashlib.sha256(self.key).digest()).decode()

    @property
    def fingerprint(self) -> str:
        """A short per-process fingerprint of the customer key (never the key)."""
        if self.customer_key is None:
            return ""
        return hmac.new(_FINGERPRINT_KEY, self.customer_key, "sha256").hexdigest()[:16]

    # -- what is shown -------------------------------------------------------
    def describe(self) -> dict[str, str | None]:
        """``{"mode", "key_id"}``: what may be shown (no key material)."""
        return {"mode": self.mode, "key_id": self.key_id}

    def __repr__(self) -> str:
        parts = [f"mode={self.mode!r}"]
        if self.key_id:
            parts.append(f"key_id={self.key_id!r}")
        if self.customer_key is not None:
            parts.append(f"customer_key={MASK!r} (fingerprint {self.fingerprint})")
        if self.allow_insecure_customer_key:
            parts.append("allow_insecure_customer_key=True")
        return f"Encryption({', '.join(parts)})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled for executor workers: the key travels with the setting.
        return (Encryption, (self.mode, self.key_id, bytes(self.customer_key)
                             if self.customer_key is not None else None,
                             self.allow_insecure_customer_key))


def _decode_key(value: Any) -> bytes:
    """A customer key given as base64 text (or raw bytes) → its bytes."""
    if isinstance(value, (bytes, bytearray)) and len(value) == CUSTOMER_KEY_BYTES:
        return bytes(value)
    text = value.decode() if isinstance(value, (bytes, bytearray)) else str(value)
    text = text.strip()
    register_secret(text)
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        try:
            return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            raise ConfigError(
                f"customer_key is not base64; give the {CUSTOMER_KEY_BYTES}-byte key base64-encoded "
                "or as customer_key_file", operation="config") from None


def _read_key_file(path: Any) -> bytes:
    """The key in a file: the raw 32 bytes, or their base64 text."""
    try:
        with open(os.path.expanduser(str(path)), "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise ConfigError(f"customer_key_file {str(path)!r} cannot be read ({exc.strerror})",
                          operation="config") from None
    if len(data) == CUSTOMER_KEY_BYTES:
        return data
    return _decode_key(data.strip())


def parse_encryption(value: Any) -> Encryption | None:
    """An :class:`Encryption` from what a caller wrote, or ``None`` for nothing.

    Accepted: an :class:`Encryption`; a mode name (``"provider"``); a mapping
    with ``mode`` and ``key_id`` (alias ``kms_key_id``), ``customer_key``
    (base64) or ``customer_key_file`` (a file with the raw 32 bytes or their
    base64), and ``allow_insecure_customer_key``. ``mode`` may be left out
    when a key says which one is meant.
    """
    if value is None or isinstance(value, Encryption):
        return value
    if isinstance(value, str):
        return Encryption(mode=value.strip().lower())
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"encryption must be a mode name ({', '.join(MODES)}) or a mapping with mode, key_id, "
            f"customer_key or customer_key_file; got {type(value).__name__}", operation="config")
    fields: dict[str, Any] = {}
    for given, item in value.items():
        name = _KEYS.get(str(given).lower())
        if name is None:
            raise ConfigError(f"unknown encryption setting {str(given)!r}; accepted: "
                              f"{', '.join(sorted(_KEYS))}", operation="config")
        if item is not None:
            fields[name] = item
    if "customer_key" in fields and "customer_key_file" in fields:
        raise ConfigError("give customer_key or customer_key_file, not both", operation="config")
    key: bytes | None = None
    if "customer_key" in fields:
        key = _decode_key(fields.pop("customer_key"))
    elif "customer_key_file" in fields:
        key = _read_key_file(fields.pop("customer_key_file"))
    mode = str(fields.pop("mode", "")).strip().lower() or (
        "customer" if key is not None else "kms" if fields.get("key_id") else "provider")
    return Encryption(mode=mode, key_id=fields.get("key_id") or None,
                      customer_key=SecretBytes(key) if key is not None else None,
                      allow_insecure_customer_key=bool(fields.get("allow_insecure_customer_key")))


def encryption_from_settings(settings: Mapping[str, Any] | None) -> Encryption | None:
    """The ``encryption`` entry of an auth config's settings, parsed (``None`` if absent)."""
    if not settings:
        return None
    return parse_encryption(settings.get("encryption"))


def resolve_encryption(option: Any, config: Any) -> Encryption | None:
    """The setting a filesystem uses: its own ``encryption=`` option, else its auth config's."""
    chosen = parse_encryption(option)
    if chosen is not None:
        return chosen
    return encryption_from_settings(getattr(config, "settings", None))


def check_transport(enc: Encryption | None, url: str | None, provider: str) -> None:
    """Refuse to send a customer key over anything but HTTPS.

    The services refuse it too; failing here keeps the key off the wire. A
    plain-http loopback URL passes only with ``allow_insecure_customer_key``
    (for local test servers).
    """
    if enc is None or enc.mode != "customer" or not url:
        return
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        return
    if enc.allow_insecure_customer_key and (parts.hostname or "") in _LOOPBACK:
        return
    hint = (" (allow_insecure_customer_key=True allows it for a test server on the loopback "
            "interface)" if (parts.hostname or "") in _LOOPBACK else "")
    raise ConfigError(
        f"a customer encryption key is only sent over HTTPS; the endpoint {parts.scheme}://"
        f"{parts.netloc} is not{hint}", operation="connect", provider=provider)


def _bucket_fs(url: str, auth: Any, options: dict[str, Any], what: str) -> tuple[Any, str]:
    from omefs.api import url_to_fs
    from omefs.providers.registry import provider_of

    fs, path = url_to_fs(url, auth=auth, **options)
    if not callable(getattr(fs, what, None)):
        label = provider_of(fs).label or provider_of(fs).name
        raise ConfigError(f"{label} has no bucket default encryption that omefs can {what[:3]} "
                          "(S3, GCS and OCI have one)", operation=what, uri=url)
    return fs, path


def get_bucket_default(url: str, auth: Any = None, **options: Any) -> dict[str, str | None] | None:
    """The default encryption of the bucket of ``url`` (``{"mode", "key_id"}``; None: the
    service's own keys): S3 GetBucketEncryption, GCS ``defaultKmsKeyName``, OCI ``kmsKeyId``."""
    fs, path = _bucket_fs(url, auth, options, "get_bucket_encryption")
    out: dict[str, str | None] | None = fs.get_bucket_encryption(path)
    return out


def set_bucket_default(url: str, encryption: Any, auth: Any = None, **options: Any) -> None:
    """Set the default encryption of the bucket of ``url`` (``provider`` or ``kms``)."""
    fs, path = _bucket_fs(url, auth, options, "set_bucket_encryption")
    fs.set_bucket_encryption(path, encryption)


class EncryptionOptions:
    """Filesystem mixin: the ``encryption`` option and its per-call form.

    Goes after :class:`~omefs.providers.filesystem.AuthMixin` in an omefs
    filesystem's bases. ``fs.encryption`` is the parsed setting (the
    option, else the auth config's ``settings``); the methods listed in
    :attr:`per_call` take ``encryption=`` and then run on a sibling
    filesystem with that setting (fsspec caches it).
    """

    #: Methods that take ``encryption=`` per call.
    per_call: ClassVar[tuple[str, ...]] = ("open", "pipe_file", "cat_file", "put_file",
                                           "get_file", "info", "put", "get", "pipe", "cat")
    encryption: Encryption | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in EncryptionOptions.per_call:
            # the class's own definition, else the one it inherits (wrapped once)
            original = cls.__dict__.get(name) or getattr(cls, name, None)
            if original is None or getattr(original, "_omefs_per_call", False):
                continue
            setattr(cls, name, _per_call(name, original))

    @property
    def storage_options(self) -> dict[str, Any]:
        """The options this filesystem was made with; an ``encryption`` entry is held
        parsed, so showing the options never shows a customer key."""
        return self.__dict__.get("_omefs_storage_options", {})  # type: ignore[no-any-return]

    @storage_options.setter
    def storage_options(self, value: Mapping[str, Any]) -> None:
        options = dict(value)
        if options.get("encryption") is not None:
            options["encryption"] = parse_encryption(options["encryption"])
        self.__dict__["_omefs_storage_options"] = options

    def with_encryption(self, encryption: Any) -> Any:
        """This filesystem with another encryption setting (same auth and options)."""
        enc = parse_encryption(encryption)
        if enc == self.encryption:
            return self
        options = dict(getattr(self, "storage_options", {}) or {})
        options["encryption"] = enc
        return type(self)(*getattr(self, "storage_args", ()), **options)


def _per_call(name: str, original: Any) -> Any:
    """``name`` taking ``encryption=``; without it, what the parent's ``name`` does.

    An async filesystem (s3fs, gcsfs, adlfs) gets its sync methods from
    fsspec only where the class does not define them, so a wrapper of a
    method the parent mirrors calls the coroutine itself, as the mirror would.
    """
    from fsspec.spec import AbstractFileSystem

    mirrored = getattr(AbstractFileSystem, name, None) is original

    def method(self: Any, *args: Any, encryption: Any = None, **kwargs: Any) -> Any:
        if encryption is not None:
            return getattr(self.with_encryption(encryption), name)(*args, **kwargs)
        impl = getattr(self, "_" + name, None)
        if mirrored and getattr(self, "async_impl", False) and inspect.iscoroutinefunction(impl):
            from fsspec.asyn import sync

            return sync(self.loop, impl, *args, **kwargs)
        return original(self, *args, **kwargs)

    method.__name__ = name
    method.__qualname__ = f"EncryptionOptions.{name}"
    method.__doc__ = original.__doc__
    method._omefs_per_call = True  # type: ignore[attr-defined]
    return method
