"""OCI auth types, resolved into the OCI SDK's own signers.

Every type returns :class:`OCICredentials`, whose ``sdk`` is an OCI signer
(``oci.signer.Signer``, ``InstancePrincipalsSecurityTokenSigner``, a
resource-principal or OKE signer). The SDK signs every request and fetches
and renews security tokens; omefs chooses the signer, checks what it can
before the first request, and explains what went wrong without ever
showing key material.

=========================  ==================================================
auth type                  settings (env vars fill what is missing)
=========================  ==================================================
``user_principal``         ``config_path`` (``OCI_CONFIG_PATH``, then the SDK's
                           ``OCI_CONFIG_FILE``, then ``~/.oci/config``),
                           ``profile`` (``OCI_PROFILE``, default ``DEFAULT``),
                           ``use_session_token`` (``OCI_USE_SESSION_TOKEN``)
``instance_principal``     ``region``, ``auth_endpoint_override``
                           (``OCI_SDK_AUTH_CLIENT_REGION_URL``); the metadata
                           service is the SDK's (``OCI_METADATA_BASE_URL``)
``resource_principal``     the ``OCI_RESOURCE_PRINCIPAL_*`` environment
                           (version 2.2: ``…_RPST``, ``…_PRIVATE_PEM``,
                           ``…_PRIVATE_PEM_PASSPHRASE``, ``…_REGION``; 1.1 and
                           2.1 as the SDK reads them)
``oke_workload_identity``  ``service_host`` (``KUBERNETES_SERVICE_HOST``),
                           ``service_port`` (12250), ``sa_token_path``,
                           ``sa_cert_path``
                           (``OCI_KUBERNETES_SERVICE_ACCOUNT_CERT_PATH``),
                           ``region`` (``OCI_RESOURCE_PRINCIPAL_REGION``)
``default``                ``OCI_CLI_AUTH`` if set; else a resource principal
                           if ``OCI_RESOURCE_PRINCIPAL_VERSION`` is set; else
                           the config file if it exists; else the instance
                           principal if a metadata service answers
=========================  ==================================================

``storage_options()`` are the keyword arguments of omefs's ``oci://``
filesystem: ``config`` (the profile, without its passphrase), ``signer``,
``region`` and, when the config carries one, ``endpoint_url``.
"""

from __future__ import annotations

import configparser
import hashlib
import os
import threading
from typing import Any

import requests
from oci.auth.signers import SecurityTokenSigner
from oci.auth.signers.security_token_signer import SECURITY_TOKEN_FORMAT_STRING

from omefs.auth.base import Credentials
from omefs.auth.registry import register
from omefs.config import AuthConfig
from omefs.errors import AuthError, ConfigError
from omefs.redact import get_logger, register_secret

__all__ = ["OCICredentials", "key_fingerprint", "SessionTokenFileSigner"]

PROVIDER = "oci"
log = get_logger(__name__)

DEFAULT_CONFIG_PATH = os.path.join("~", ".oci", "config")
DEFAULT_PROFILE = "DEFAULT"
DEFAULT_METADATA_URL = "http://169.254.169.254/opc/v2"
DEFAULT_PROXYMUX_PORT = 12250
DEFAULT_SA_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/token"
DEFAULT_SA_CERT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"

_TRUE = {"1", "true", "yes", "on", "y", "t"}


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in _TRUE


def key_fingerprint(private_key: Any) -> str:
    """The OCI API-key fingerprint of a key: MD5 of the DER public key, colon-separated hex."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    der = private_key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.md5(der).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _token_container(signer: Any) -> Any:
    """The SDK's SecurityTokenContainer a signer holds, if any."""
    container = getattr(signer, "security_token", None)
    if container is not None and hasattr(container, "valid"):
        return container
    client = getattr(signer, "federation_client", None)
    container = getattr(client, "security_token", None)
    if container is not None and hasattr(container, "valid"):
        return container
    return None


class OCICredentials(Credentials):
    """An OCI signer (``sdk``), with what omefs knows about whose it is."""

    def __init__(self, config: AuthConfig, *, sdk: Any, options: dict[str, Any] | None = None,
                 region: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(config, sdk=sdk, options=options, region=region)
        self._details = {k: v for k, v in (details or {}).items() if v not in (None, "")}
        self._refresh_lock = threading.Lock()

    @property
    def signer(self) -> Any:
        """The OCI SDK signer (a ``requests`` auth object)."""
        return self.sdk

    @property
    def expired(self) -> bool:
        container = _token_container(self.sdk)
        return bool(container is not None and not container.valid())

    def refresh(self) -> None:
        """Fetch a new security token now (a no-op for API keys, which do not expire)."""
        refresh = getattr(self.sdk, "refresh_security_token", None)
        if callable(refresh):
            with self._refresh_lock:
                refresh()

    def token(self) -> str | None:
        """The security token (a JWT) the signer signs with; None for API keys."""
        get = getattr(self.sdk, "get_security_token", None)
        token: str | None = None
        if callable(get):
            token = get()
        elif getattr(self.sdk, "federation_client", None) is not None:
            token = self.sdk.federation_client.get_security_token()
        else:
            api_key = str(getattr(self.sdk, "api_key", "") or "")
            token = api_key[3:] if api_key.startswith("ST$") else None
        if token:
            register_secret(token)
        return token

    def service_endpoint(self, service: str = "object_storage") -> str | None:
        """``endpoint_url`` when set, else the SDK's endpoint of ``service`` in this region."""
        if self._options.get("endpoint_url"):
            return self._options["endpoint_url"]
        if not self.region:
            return None
        import oci

        name = "object_storage" if service in ("storage", "objectstorage") else service
        return oci.regions.endpoint_for(name, self.region)

    def http_client(self) -> requests.Session:
        """A :class:`requests.Session` that signs every request with the OCI signer.

        On a 401 it refreshes the security token (where the signer has one)
        and re-sends the request once, re-signed.
        """
        return _SignedSession(self)

    def identity(self) -> dict[str, Any]:
        out = super().identity()
        if self.region:
            out["region"] = self.region
        out.update(self._details)
        return out

    def describe(self) -> str:
        """Who these credentials are, in a few words, for error messages (nothing secret)."""
        parts = [f"oci {self.auth_type}"]
        for key in ("profile", "fingerprint", "user", "tenancy", "config_path"):
            if self._details.get(key):
                parts.append(f"{key} {self._details[key]!r}" if key == "profile"
                             else f"{key} {self._details[key]}")
        return ", ".join(parts)


class _SignedSession(requests.Session):
    """A session that signs with the OCI signer and re-signs once after a 401."""

    def __init__(self, creds: OCICredentials) -> None:
        super().__init__()
        self._creds = creds
        self.auth = creds.sdk

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        response = super().send(request, **kwargs)
        refresh = getattr(self._creds.sdk, "refresh_security_token", None)
        if response.status_code != 401 or not callable(refresh):
            return response
        if request.body is not None and not isinstance(request.body, (bytes, str)):
            return response  # a stream cannot be sent twice
        response.close()
        self._creds.refresh()
        again = request.copy()
        for header in ("authorization", "date", "x-date"):
            again.headers.pop(header, None)
        self._creds.sdk(again)
        return super().send(again, **kwargs)


# -- user principal ---------------------------------------------------------


class SessionTokenFileSigner(SecurityTokenSigner):
    """A session-token signer (``oci session authenticate``) that re-reads its token file.

    The OCI CLI's ``oci session refresh`` rewrites ``security_token_file``;
    :meth:`refresh_security_token` picks the new token up, so a 401 after a
    refresh outside this process is retried with it.
    """

    def __init__(self, token_file: str, private_key: Any) -> None:
        self.token_file = os.path.expanduser(token_file)
        super().__init__(self._read(), private_key)

    def _read(self) -> str:
        with open(self.token_file) as fh:
            token = fh.read().strip()
        register_secret(token)
        return token

    def refresh_security_token(self) -> str:
        """Re-read the token file and sign with the token it now holds."""
        token = self._read()
        self.api_key = SECURITY_TOKEN_FORMAT_STRING.format(token)
        self._basic_signer.reset_signer(self.api_key, self.private_key)
        self._body_signer.reset_signer(self.api_key, self.private_key)
        return token

    def get_security_token(self) -> str:
        """The token this signer signs with."""
        return str(self.api_key)[3:]


def _config_path(config: AuthConfig) -> str:
    path = config.get("config_path", env=("OCI_CONFIG_PATH", "OCI_CONFIG_FILE"))
    return os.path.expanduser(str(path or DEFAULT_CONFIG_PATH))


def _profile(config: AuthConfig) -> str:
    return str(config.get("profile", env=("OCI_PROFILE", "OCI_CLI_PROFILE")) or DEFAULT_PROFILE)


def _read_profile(path: str, profile: str) -> dict[str, Any]:
    """The profile's keys, with ``DEFAULT`` filling what it lacks (as the SDK reads it)."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        found = parser.read(path)
    except configparser.Error as exc:
        raise AuthError(
            f"oci user_principal: config file {path} cannot be parsed ({type(exc).__name__})",
            operation="resolve", provider=PROVIDER,
        ) from None
    if not found:
        raise AuthError(
            f"oci user_principal: config file {path} not found (set settings.config_path "
            "or OCI_CONFIG_PATH, or create it with `oci setup config`)",
            operation="resolve", provider=PROVIDER,
        )
    if profile not in parser:
        profiles = ", ".join(["DEFAULT"] * bool(parser.defaults()) + parser.sections()) or "(none)"
        raise AuthError(
            f"oci user_principal: profile {profile!r} not found in {path}; profiles in it: {profiles}",
            operation="resolve", provider=PROVIDER,
        )
    values = dict(parser[profile])
    register_secret(values.get("pass_phrase"))
    if values.get("key_content"):
        raise ConfigError(
            f"oci user_principal: profile {profile!r} in {path} has key_content; the OCI SDK "
            "does not accept key material in a config file: use key_file",
            operation="resolve", provider=PROVIDER,
        )
    return values


def _load_key(path: str, pass_phrase: str | None, where: str) -> Any:
    from oci.exceptions import InvalidPrivateKey, MissingPrivateKeyPassphrase
    from oci.signer import load_private_key_from_file

    try:
        return load_private_key_from_file(path, pass_phrase)
    except MissingPrivateKeyPassphrase:
        raise AuthError(f"{where}: the key in key_file {path} is encrypted and no pass_phrase is set",
                        operation="resolve", provider=PROVIDER) from None
    except InvalidPrivateKey:
        raise AuthError(
            f"{where}: key_file {path} is not a PEM private key, or its pass_phrase is wrong",
            operation="resolve", provider=PROVIDER,
        ) from None
    except OSError as exc:
        raise AuthError(f"{where}: key_file {path} cannot be read ({exc.strerror or exc})",
                        operation="resolve", provider=PROVIDER) from None
    except (ValueError, TypeError) as exc:
        raise AuthError(f"{where}: key_file {path} cannot be loaded ({type(exc).__name__})",
                        operation="resolve", provider=PROVIDER) from None


@register(PROVIDER, "user_principal")
def user_principal(config: AuthConfig) -> OCICredentials:
    """An API key (or a session token) from an OCI config file profile."""
    from oci.signer import Signer

    path = _config_path(config)
    profile = _profile(config)
    values = _read_profile(path, profile)
    region = config.region or config.get("region") or values.get("region") or os.environ.get("OCI_REGION")
    fingerprint = values.get("fingerprint")
    where = f"oci user_principal profile {profile!r} in {path}" + (
        f" (fingerprint {fingerprint})" if fingerprint else ""
    )
    key_file = values.get("key_file")
    if not key_file:
        raise AuthError(f"{where}: key_file is missing", operation="resolve", provider=PROVIDER)
    key_file = os.path.expanduser(key_file)
    pass_phrase = values.get("pass_phrase") or None
    use_token = _truthy(config.get("use_session_token", env="OCI_USE_SESSION_TOKEN"))
    details = {"profile": profile, "config_path": path, "tenancy": values.get("tenancy"),
               "user": values.get("user"), "fingerprint": fingerprint,
               "session_token": True if use_token else None}
    if not region:
        raise AuthError(f"{where}: no region (set it in the profile, the config, or OCI_REGION)",
                        operation="resolve", provider=PROVIDER)
    private_key = _load_key(key_file, pass_phrase, where)
    sdk_config = {k: v for k, v in values.items() if k not in ("pass_phrase", "key_content")}
    sdk_config["region"] = region
    sdk_config["key_file"] = key_file
    if use_token:
        token_file = values.get("security_token_file")
        if not token_file:
            raise AuthError(
                f"{where}: use_session_token is set but the profile has no security_token_file "
                "(create one with `oci session authenticate`)",
                operation="resolve", provider=PROVIDER,
            )
        try:
            signer = SessionTokenFileSigner(token_file, private_key)
        except OSError as exc:
            raise AuthError(f"{where}: security_token_file {token_file} cannot be read "
                            f"({exc.strerror or exc})", operation="resolve", provider=PROVIDER) from None
        except Exception as exc:
            raise AuthError(f"{where}: security_token_file {token_file} does not hold a valid "
                            f"token ({type(exc).__name__})", operation="resolve", provider=PROVIDER) from None
    else:
        missing = [k for k in ("user", "tenancy", "fingerprint") if not values.get(k)]
        if missing:
            raise AuthError(f"{where}: missing {', '.join(missing)}", operation="resolve",
                            provider=PROVIDER)
        actual = key_fingerprint(private_key)
        if fingerprint and actual != fingerprint.lower():
            raise AuthError(
                f"{where}: the key in key_file {key_file} does not match the profile's "
                f"fingerprint (the key's fingerprint is {actual}); the service would refuse "
                "every request",
                operation="resolve", provider=PROVIDER,
            )
        signer = Signer(
            tenancy=values["tenancy"], user=values["user"], fingerprint=fingerprint,
            private_key_file_location=key_file, pass_phrase=pass_phrase,
        )
    return OCICredentials(
        config, sdk=signer, region=region, details=details,
        options={"config": sdk_config, "signer": signer, "region": region},
    )


# -- instance principal -----------------------------------------------------


def _metadata_url() -> str:
    return (os.environ.get("OCI_METADATA_BASE_URL") or "").strip() or DEFAULT_METADATA_URL


def _metadata_problem(base_url: str, timeout: float = 2.0) -> str | None:
    """Why ``base_url`` is not an OCI instance metadata service, or None if it is one.

    One quick request (``/instance/region``, with OCI's ``Authorization:
    Bearer Oracle``) before the SDK's own, which retries for minutes: off
    OCI there is nothing to connect to, and on another cloud something
    answers at 169.254.169.254 that is not OCI's service.
    """
    try:
        response = requests.get(base_url.rstrip("/") + "/instance/region", timeout=timeout,
                                headers={"Authorization": "Bearer Oracle"}, allow_redirects=False)
    except requests.RequestException as exc:
        return f"does not answer ({type(exc).__name__})"
    with response:
        if response.status_code != 200:
            return f"is not OCI's (GET /instance/region gave HTTP {response.status_code})"
    return None


def _federation_endpoint(config: AuthConfig) -> str | None:
    override = config.get("auth_endpoint_override", env="OCI_SDK_AUTH_CLIENT_REGION_URL")
    if not override:
        return None
    override = str(override).rstrip("/")
    return override if override.endswith("/v1/x509") else override + "/v1/x509"


@register(PROVIDER, "instance_principal")
def instance_principal(config: AuthConfig) -> OCICredentials:
    """The compute instance's identity: certificates from the metadata service, tokens from Auth."""
    from oci.auth.signers import InstancePrincipalsSecurityTokenSigner

    metadata = _metadata_url()
    problem = _metadata_problem(metadata, timeout=float(config.get("metadata_timeout") or 2.0))
    if problem:
        raise AuthError(
            f"oci instance_principal: the instance metadata service at {metadata} {problem}; "
            "instance principals work only on OCI compute instances "
            "(OCI_METADATA_BASE_URL overrides the address)",
            operation="resolve", provider=PROVIDER,
        )
    kwargs: dict[str, Any] = {}
    endpoint = _federation_endpoint(config)
    if endpoint:
        kwargs["federation_endpoint"] = endpoint
    try:
        signer = InstancePrincipalsSecurityTokenSigner(**kwargs)
    except Exception as exc:
        raise AuthError(
            f"oci instance_principal: no security token from the metadata service at {metadata}"
            + (f" and the auth endpoint {endpoint}" if endpoint else "")
            + f" ({_sdk_reason(exc)})",
            operation="resolve", provider=PROVIDER,
        ) from None
    region = config.region or config.get("region") or getattr(signer, "region", None)
    details = {"tenancy": getattr(signer, "tenancy_id", None), "auth_endpoint": endpoint}
    return OCICredentials(config, sdk=signer, region=region, details=details,
                          options=_signer_options(signer, region))


def _signer_options(signer: Any, region: str | None) -> dict[str, Any]:
    options: dict[str, Any] = {"signer": signer, "config": {"region": region} if region else {}}
    if region:
        options["region"] = region
    return options


def _sdk_reason(exc: BaseException) -> str:
    status = getattr(exc, "status", None)
    code = getattr(exc, "code", None)
    if status is not None:
        return f"HTTP {status} {code or ''}".strip()
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:300]


# -- resource principal -----------------------------------------------------

_RP_22 = ("OCI_RESOURCE_PRINCIPAL_RPST", "OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM")


@register(PROVIDER, "resource_principal")
def resource_principal(config: AuthConfig) -> OCICredentials:
    """The resource's identity (Functions, Data Science, Data Flow…) from ``OCI_RESOURCE_PRINCIPAL_*``."""
    from oci.auth.signers import get_resource_principals_signer

    version = os.environ.get("OCI_RESOURCE_PRINCIPAL_VERSION")
    if not version:
        raise AuthError(
            "oci resource_principal: OCI_RESOURCE_PRINCIPAL_VERSION is not set (the OCI "
            "service running this code sets it, with OCI_RESOURCE_PRINCIPAL_RPST, "
            "OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM and OCI_RESOURCE_PRINCIPAL_REGION for 2.2)",
            operation="resolve", provider=PROVIDER,
        )
    if version == "2.2":
        missing = [name for name in _RP_22 if not os.environ.get(name)]
        if missing:
            raise AuthError(f"oci resource_principal 2.2: {', '.join(missing)} not set",
                            operation="resolve", provider=PROVIDER)
        for name in _RP_22 + ("OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM_PASSPHRASE",):
            value = os.environ.get(name)
            if value and not os.path.isabs(value):
                register_secret(value)  # the token or key itself, not a path
    try:
        signer = _rp22_with_passphrase_file() if version == "2.2" else None
        signer = signer or get_resource_principals_signer()
    except Exception as exc:
        raise AuthError(
            f"oci resource_principal {version}: the SDK could not build a signer "
            f"({_sdk_reason(exc)})",
            operation="resolve", provider=PROVIDER,
        ) from None
    region = (config.region or config.get("region") or getattr(signer, "region", None)
              or os.environ.get("OCI_RESOURCE_PRINCIPAL_REGION"))
    details = {"version": version, "tenancy": getattr(signer, "tenancy_id", None)}
    return OCICredentials(config, sdk=signer, region=region, details=details,
                          options=_signer_options(signer, region))


def _rp22_with_passphrase_file() -> Any:
    """A 2.2 signer when the passphrase is a file, which the SDK cannot read.

    The SDK opens ``OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM_PASSPHRASE`` with an
    invalid file mode, so an encrypted key with its passphrase in a file
    never loads. The key and passphrase are read here instead; the token
    stays a path, so it is still re-read after a 401. Returns None when the
    passphrase is not a file (the SDK's own signer then works).
    """
    from oci.auth.signers import EphemeralResourcePrincipalSigner

    passphrase_path = os.environ.get("OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM_PASSPHRASE")
    if not passphrase_path or not os.path.isabs(passphrase_path):
        return None
    with open(passphrase_path) as fh:
        passphrase = fh.read().strip()
    register_secret(passphrase)
    key = os.environ["OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM"]
    if os.path.isabs(key):
        with open(key) as fh:
            key = fh.read()
    return EphemeralResourcePrincipalSigner(
        session_token=os.environ["OCI_RESOURCE_PRINCIPAL_RPST"], private_key=key,
        private_key_passphrase=passphrase, region=os.environ.get("OCI_RESOURCE_PRINCIPAL_REGION"),
    )


# -- OKE workload identity --------------------------------------------------


@register(PROVIDER, "oke_workload_identity")
def oke_workload_identity(config: AuthConfig) -> OCICredentials:
    """A Kubernetes service account exchanged for a token by OKE's proxymux."""
    from oci.auth.rpt_path_providers import DefaultServiceAccountTokenProvider
    from oci.auth.signers import OkeWorkloadIdentityResourcePrincipalSigner

    host = config.get("service_host", env="KUBERNETES_SERVICE_HOST")
    if not host:
        raise AuthError(
            "oci oke_workload_identity: KUBERNETES_SERVICE_HOST is not set (not running in a "
            "Kubernetes pod?); settings.service_host overrides it",
            operation="resolve", provider=PROVIDER,
        )
    port = int(config.get("service_port") or DEFAULT_PROXYMUX_PORT)
    token_path = str(config.get("sa_token_path") or DEFAULT_SA_TOKEN_PATH)
    cert_path = str(config.get("sa_cert_path", env="OCI_KUBERNETES_SERVICE_ACCOUNT_CERT_PATH")
                    or DEFAULT_SA_CERT_PATH)
    for what, path in (("service account token", token_path), ("CA certificate", cert_path)):
        if not os.path.isfile(path):
            raise AuthError(f"oci oke_workload_identity: the {what} {path} does not exist",
                            operation="resolve", provider=PROVIDER)
    region = config.region or config.get("region", env="OCI_RESOURCE_PRINCIPAL_REGION")
    provider = DefaultServiceAccountTokenProvider()
    provider.override_sa_token_path(token_path)
    try:
        signer = OkeWorkloadIdentityResourcePrincipalSigner(
            sa_token_provider=provider, sa_cert_path=cert_path, service_host=host,
            service_port=str(port), region=region,
        )
    except Exception as exc:
        raise AuthError(
            f"oci oke_workload_identity: no token from https://{host}:{port} ({_sdk_reason(exc)})",
            operation="resolve", provider=PROVIDER,
        ) from None
    details = {"service_host": host, "service_port": port}
    return OCICredentials(config, sdk=signer, region=region, details=details,
                          options=_signer_options(signer, region))


# -- default ----------------------------------------------------------------

_CLI_AUTH = {
    "api_key": ("user_principal", {}),
    "security_token": ("user_principal", {"use_session_token": True}),
    "instance_principal": ("instance_principal", {}),
    "resource_principal": ("resource_principal", {}),
    "oke_workload_identity": ("oke_workload_identity", {}),
}


@register(PROVIDER, "default")
def default(config: AuthConfig) -> OCICredentials:
    """The first OCI identity the environment offers (see the module docs for the order)."""
    cli_auth = os.environ.get("OCI_CLI_AUTH", "").strip().lower()
    if cli_auth:
        if cli_auth not in _CLI_AUTH:
            raise ConfigError(
                f"OCI_CLI_AUTH={cli_auth!r} is not one of {', '.join(sorted(_CLI_AUTH))}",
                operation="resolve", provider=PROVIDER,
            )
        auth_type, extra = _CLI_AUTH[cli_auth]
        return _RESOLVERS[auth_type](config.replace(auth_type=auth_type, settings=extra))
    tried: list[str] = []
    if os.environ.get("OCI_RESOURCE_PRINCIPAL_VERSION"):
        return resource_principal(config.replace(auth_type="resource_principal"))
    tried.append("OCI_RESOURCE_PRINCIPAL_VERSION not set")
    path = _config_path(config)
    if os.path.isfile(path):
        return user_principal(config.replace(auth_type="user_principal"))
    tried.append(f"no config file at {path}")
    try:
        return instance_principal(config.replace(auth_type="instance_principal"))
    except AuthError as exc:
        tried.append(exc.message.split(" (operation=")[0])
    raise AuthError(
        "no OCI credentials found: " + "; ".join(tried),
        operation="resolve", provider=PROVIDER,
    )


_RESOLVERS = {
    "user_principal": user_principal,
    "instance_principal": instance_principal,
    "resource_principal": resource_principal,
    "oke_workload_identity": oke_workload_identity,
}
