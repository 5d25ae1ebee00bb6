"""What every AWS auth type resolves to: :class:`AWSCredentials`.

The credentials themselves are botocore's: a static ``Credentials`` for an
access key, botocore's own session chain for ``profile`` and ``default``,
and for the temporary types (``assume_role``, ``web_identity``,
``instance_profile``, ``ecs_task_role``, ``process``) a
:class:`CredentialSource` — one botocore fetcher (STS, IMDS, the container
endpoint, the credential process) shared by two SDK credential objects:

* a botocore ``RefreshableCredentials`` for synchronous use (SigV4 signing
  in :meth:`AWSCredentials.http_client`, STS ``GetCallerIdentity``);
* an aiobotocore ``AioRefreshableCredentials`` inside the ``AioSession``
  handed to s3fs as ``session=``.

Both refresh through the SDK's own logic (advisory refresh 15 minutes
before expiry, mandatory at 10); whichever refreshes first fetches, and
the other picks the new credentials up from the shared source instead of
fetching again. s3fs never sees a frozen key, so a long job outlives any
single set of temporary credentials.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from omefs.auth.base import Credentials
from omefs.config import AuthConfig
from omefs.errors import AuthError
from omefs.redact import get_logger, redact_text, register_secret

if TYPE_CHECKING:
    import requests

__all__ = ["AWSCredentials", "CredentialSource", "SigV4Auth", "mask_key_id"]

PROVIDER = "aws"
log = get_logger("omefs.providers.aws.auth")

# botocore starts refreshing this many seconds before expiry (its advisory window).
ADVISORY_REFRESH_SECONDS = 15 * 60


def mask_key_id(key: str | None) -> str | None:
    """``AKIA…WXYZ``: enough of an access key id to recognise it, not to use it."""
    if not key:
        return None
    return key[:4] + "…" + key[-4:] if len(key) > 12 else "***"


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def _parse_expiry(value: Any) -> _dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, _dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)
    from botocore.utils import parse_timestamp

    parsed: _dt.datetime = parse_timestamp(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.timezone.utc)


class CredentialSource:
    """Temporary credentials from one SDK fetcher, shared by a sync and an async credential object.

    ``fetch`` is a botocore fetcher returning botocore's credential
    metadata (``access_key``, ``secret_key``, ``token``, ``expiry_time``).
    Calling the source returns the newest metadata it holds while that is
    outside botocore's refresh window, and fetches otherwise; every fetch
    bumps :attr:`generation`, which tells the other credential object that
    newer credentials exist. :attr:`fetches` counts the calls to ``fetch``.
    """

    def __init__(self, fetch: Callable[[], dict[str, Any]], method: str, describe: str) -> None:
        self._fetch = fetch
        self.method = method
        self.describe = describe
        self._lock = threading.Lock()
        self.metadata: dict[str, Any] | None = None
        self.generation = 0
        self.fetches = 0

    @property
    def expiry_time(self) -> _dt.datetime | None:
        return _parse_expiry(self.metadata.get("expiry_time")) if self.metadata else None

    def _fresh(self) -> bool:
        expiry = self.expiry_time
        if self.metadata is None:
            return False
        return expiry is None or (expiry - _now()).total_seconds() > ADVISORY_REFRESH_SECONDS

    def get(self) -> tuple[dict[str, Any], int]:
        """``(metadata, generation)``: the held credentials while fresh, else newly fetched ones."""
        with self._lock:
            if not self._fresh():
                self._refresh_locked()
            assert self.metadata is not None
            return dict(self.metadata), self.generation

    def refresh(self) -> tuple[dict[str, Any], int]:
        """Fetch new credentials now, whatever the held ones' expiry."""
        with self._lock:
            self._refresh_locked()
            assert self.metadata is not None
            return dict(self.metadata), self.generation

    def _refresh_locked(self) -> None:
        try:
            metadata = self._fetch()
        except AuthError:
            raise
        except Exception as exc:
            raise AuthError(
                f"aws {self.describe}: could not obtain credentials: "
                f"{type(exc).__name__}: {redact_text(str(exc))}",
                operation="refresh", provider=PROVIDER,
            ) from None
        if not metadata or not metadata.get("access_key") or not metadata.get("secret_key"):
            raise AuthError(f"aws {self.describe}: the credential source returned no credentials",
                            operation="refresh", provider=PROVIDER)
        register_secret(metadata.get("secret_key"))
        register_secret(metadata.get("token"))
        metadata.setdefault("token", None)
        expiry = metadata.get("expiry_time")
        if isinstance(expiry, _dt.datetime):
            metadata["expiry_time"] = expiry.isoformat()
        self.metadata = metadata
        self.generation += 1
        self.fetches += 1
        log.debug("aws %s: obtained credentials %s (expiry %s, fetch #%d)", self.describe,
                  mask_key_id(metadata["access_key"]), metadata.get("expiry_time") or "none",
                  self.fetches)

    # -- the two SDK credential objects ------------------------------------
    def sync_credentials(self) -> Any:
        """A botocore credentials object following this source."""
        from botocore.credentials import Credentials as BotoCredentials
        from botocore.credentials import RefreshableCredentials

        metadata, generation = self.get()
        if metadata.get("expiry_time") is None:
            return BotoCredentials(metadata["access_key"], metadata["secret_key"],
                                   metadata.get("token"), method=self.method)

        class _Following(RefreshableCredentials):  # type: ignore[misc]
            def refresh_needed(self, refresh_in: Any = None) -> bool:
                return holder.generation != source.generation or super().refresh_needed(refresh_in)

        source = self
        holder = _Generation(generation)

        def pull() -> dict[str, Any]:
            data, holder.generation = source.get()
            return data

        return _Following.create_from_metadata(metadata, refresh_using=pull, method=self.method)

    def async_credentials(self) -> Any:
        """An aiobotocore credentials object following this source (fetching in a worker thread)."""
        from aiobotocore.credentials import AioCredentials, AioRefreshableCredentials

        metadata, generation = self.get()
        if metadata.get("expiry_time") is None:
            return AioCredentials(metadata["access_key"], metadata["secret_key"],
                                  metadata.get("token"), method=self.method)

        class _AioFollowing(AioRefreshableCredentials):  # type: ignore[misc]
            def refresh_needed(self, refresh_in: Any = None) -> bool:
                return holder.generation != source.generation or super().refresh_needed(refresh_in)

        source = self
        holder = _Generation(generation)

        async def pull() -> dict[str, Any]:
            data, holder.generation = await asyncio.to_thread(source.get)
            return data

        return _AioFollowing.create_from_metadata(metadata, refresh_using=pull, method=self.method)


class _Generation:
    """The source generation a credential object last took its keys from."""

    def __init__(self, generation: int) -> None:
        self.generation = generation


class _OmefsAioProvider:
    """An aiobotocore credential provider handing out one prepared credentials object."""

    METHOD = "omefs"
    CANONICAL_NAME = "custom-omefs"

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory

    async def load(self) -> Any:
        return self._factory()


class AWSCredentials(Credentials):
    """AWS credentials: a botocore credentials object and the s3fs session built on it.

    Attributes beyond :class:`~omefs.auth.base.Credentials`:
        source: the :class:`CredentialSource` of temporary credentials (None
            for static keys, anonymous access and the SDK's own chains).
        sts_endpoint_url: the STS endpoint configured for this auth, if any.
    """

    def __init__(
        self,
        config: AuthConfig,
        *,
        sdk: Any = None,
        options: dict[str, Any] | None = None,
        region: str | None = None,
        source: CredentialSource | None = None,
        aio_factory: Callable[[], Any] | None = None,
        session_profile: str | None = None,
        session_vars: dict[str, Any] | None = None,
        anonymous: bool = False,
        static: tuple[str, str, str | None] | None = None,
    ) -> None:
        #: A static key pair and token, kept so that an obstore store can sign with them
        #: without botocore (:attr:`sdk` is then made from them on first use).
        self.static = static
        super().__init__(config, sdk=sdk, options=options, region=region)
        self.source = source
        self.anonymous = anonymous
        self.sts_endpoint_url: str | None = config.get_str("sts_endpoint_url")
        self._aio_factory = aio_factory
        self._session_profile = session_profile
        self._session_vars = dict(session_vars or {})
        #: Facts about these credentials that are not secret (a role name…), shown by identity().
        self.details: dict[str, Any] = {}

    _sdk: Any = None

    @property
    def sdk(self) -> Any:
        """The botocore credentials object (for a static key pair: made on first use, so that
        a command whose requests obstore signs never imports botocore's credentials)."""
        if self._sdk is None and self.static is not None:
            from botocore.credentials import Credentials as BotoCredentials

            key, secret, token = self.static
            self._sdk = BotoCredentials(key, secret, token, method="omefs-access-key")
        return self._sdk

    @sdk.setter
    def sdk(self, value: Any) -> None:
        self._sdk = value

    # -- lifetime ---------------------------------------------------------
    @property
    def expired(self) -> bool:
        """True once botocore would refresh before the next request (15 minutes before expiry)."""
        if self.static is not None:
            return False  # a static key pair never expires
        refresh_needed = getattr(self.sdk, "refresh_needed", None)
        return bool(refresh_needed()) if callable(refresh_needed) else False

    @property
    def expiry_time(self) -> _dt.datetime | None:
        """When the current temporary credentials expire (None: static or unknown)."""
        if self.source is not None:
            return self.source.expiry_time
        return None

    def refresh(self) -> None:
        """Fetch new temporary credentials now; s3fs's session picks them up at its next request."""
        if self.source is not None:
            self.source.refresh()
        elif self.sdk is not None and hasattr(self.sdk, "get_frozen_credentials"):
            self.sdk.get_frozen_credentials()  # botocore refreshes here when due

    def frozen(self) -> Any:
        """botocore ``ReadOnlyCredentials`` (access key, secret, token) current now; None if anonymous."""
        if self.sdk is None:
            return None
        return self.sdk.get_frozen_credentials()

    # -- use --------------------------------------------------------------
    def storage_options(self) -> dict[str, Any]:
        """s3fs keyword arguments: ``session=`` (an aiobotocore ``AioSession``), ``region``, ``endpoint_url``.

        Each call builds a new session (cheap) so that every filesystem
        gets its own aiobotocore credentials object, bound to no event loop
        but its own; all of them follow the same credential source.
        """
        options = dict(self._options)
        if not self.anonymous:
            options["session"] = self.aio_session()
        return options

    def store_options(self) -> dict[str, Any]:
        """:meth:`storage_options` without the aiobotocore session: the obstore front signs
        with :attr:`sdk` (a botocore credentials object), and loads no aiobotocore."""
        return dict(self._options)

    def aio_session(self) -> Any:
        """An aiobotocore ``AioSession`` whose credentials are these credentials."""
        from aiobotocore.session import AioSession

        session = AioSession(profile=self._session_profile)
        for name, value in self._session_vars.items():
            session.set_config_variable(name, value)
        if self.region:
            session.set_config_variable("region", self.region)
        if self._aio_factory is not None:
            from aiobotocore.credentials import AioCredentialResolver

            resolver = AioCredentialResolver([_OmefsAioProvider(self._aio_factory)])
            session.register_component("credential_provider", resolver)
        return session

    def botocore_session(self) -> Any:
        """A botocore ``Session`` with these credentials (for boto3 or botocore clients)."""
        import botocore.session

        session = botocore.session.Session(profile=self._session_profile)
        for name, value in self._session_vars.items():
            session.set_config_variable(name, value)
        if self.region:
            session.set_config_variable("region", self.region)
        if self.sdk is not None:
            from botocore.credentials import CredentialProvider, CredentialResolver

            creds = self.sdk

            class _Fixed(CredentialProvider):  # type: ignore[misc]
                METHOD = "omefs"
                CANONICAL_NAME = "custom-omefs"

                def load(self) -> Any:
                    return creds

            session.register_component("credential_provider", CredentialResolver([_Fixed()]))
        return session

    def client(self, service: str, **kwargs: Any) -> Any:
        """A botocore client for ``service`` with these credentials and this config's endpoints."""
        from botocore import UNSIGNED
        from botocore.config import Config

        session = self.botocore_session()
        kwargs.setdefault("region_name", self.region or "us-east-1")
        if service == "sts" and self.sts_endpoint_url:
            kwargs.setdefault("endpoint_url", self.sts_endpoint_url)
        elif service == "s3" and self._options.get("endpoint_url"):
            kwargs.setdefault("endpoint_url", self._options["endpoint_url"])
        if self.sdk is None:
            kwargs["config"] = Config(signature_version=UNSIGNED).merge(kwargs.get("config") or Config())
        return session.create_client(service, **kwargs)

    def service_endpoint(self, service: str = "s3") -> str | None:
        """The endpoint URL botocore would use for ``service`` (``s3``, ``sts``…) in this region.

        A configured ``endpoint_url`` (for S3) or ``sts_endpoint_url`` wins;
        otherwise botocore resolves it, honouring ``AWS_ENDPOINT_URL_<SERVICE>``,
        ``AWS_ENDPOINT_URL`` and the shared config file.
        """
        if service == "s3" and self._options.get("endpoint_url"):
            return str(self._options["endpoint_url"])
        if service == "sts" and self.sts_endpoint_url:
            return self.sts_endpoint_url
        import botocore.session
        from botocore import UNSIGNED
        from botocore.config import Config

        session = botocore.session.Session()
        client = session.create_client(service, region_name=self.region or "us-east-1",
                                       config=Config(signature_version=UNSIGNED))
        return str(client.meta.endpoint_url)

    def http_client(self, service: str = "s3") -> requests.Session:
        """A ``requests.Session`` that SigV4-signs every request for ``service`` with botocore.

        Each request is signed with the credentials current at that moment,
        so a long-lived session keeps working across refreshes. Anonymous
        credentials give a plain session.
        """
        import requests

        session = requests.Session()
        if self.sdk is not None:
            session.auth = SigV4Auth(self.sdk, self.region or "us-east-1", service)
        return session

    # -- identity ---------------------------------------------------------
    def identity(self) -> dict[str, Any]:
        out = super().identity()
        if self.sdk is not None:
            out["access_key_id"] = mask_key_id(self.sdk.get_frozen_credentials().access_key)
            method = getattr(self.sdk, "method", None)
            if method:
                out["credential_source"] = method
        else:
            out["anonymous"] = True
        if self.expiry_time is not None:
            out["expires"] = self.expiry_time.isoformat()
        if self.region:
            out["region"] = self.region
        out.update(self.details)
        return out

    def caller_identity(self, timeout: float = 10.0) -> dict[str, Any]:
        """STS ``GetCallerIdentity``: ``arn``, ``account``, ``user_id`` (a cheap, always-allowed call)."""
        if self.sdk is None:
            return {}
        from botocore.config import Config

        sts = self.client("sts", config=Config(connect_timeout=timeout, read_timeout=timeout,
                                               retries={"total_max_attempts": 1}))
        reply = sts.get_caller_identity()
        return {"arn": reply.get("Arn"), "account": reply.get("Account"),
                "user_id": reply.get("UserId")}


class SigV4Auth:
    """A ``requests`` auth hook signing each request with botocore's SigV4 (S3 flavour for ``s3``)."""

    _OURS = frozenset({"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"})

    def __init__(self, credentials: Any, region: str, service: str) -> None:
        self._credentials = credentials
        self.region = region
        self.service = service

    def __call__(self, request: Any) -> Any:
        from botocore.auth import S3SigV4Auth
        from botocore.auth import SigV4Auth as BotoSigV4Auth
        from botocore.awsrequest import AWSRequest

        body = request.body
        if body is not None and not isinstance(body, (bytes, str)):
            raise AuthError("aws http_client signs in-memory bodies only (bytes or str), "
                            f"not {type(body).__name__}", operation="sign", provider=PROVIDER)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in self._OURS}
        aws_request = AWSRequest(method=request.method, url=request.url, data=body or b"",
                                 headers=headers)
        frozen = self._credentials.get_frozen_credentials()
        signer = S3SigV4Auth if self.service == "s3" else BotoSigV4Auth
        signer(frozen, self.service, self.region).add_auth(aws_request)
        for name, value in aws_request.headers.items():
            request.headers[name] = value
        return request

    def __repr__(self) -> str:
        return f"SigV4Auth(service={self.service!r}, region={self.region!r})"
