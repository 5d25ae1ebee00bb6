"""The token-based OCI auth types: ``instance_principal``, ``resource_principal``, ``oke_workload_identity``.

Each builds the OCI SDK's own signer for it (which fetches and renews the
security token), checks what it can before the first request (is there a
metadata service, are the resource-principal variables set, is there a
service-account token) and says what was missing.
"""

from __future__ import annotations

import os
from typing import Any

import requests

from omefs.auth.registry import register
from omefs.config import AuthConfig
from omefs.errors import AuthError
from omefs.providers.oci.auth.credentials import PROVIDER, OCICredentials
from omefs.redact import register_secret

__all__ = ["instance_principal", "resource_principal", "oke_workload_identity"]

DEFAULT_METADATA_URL = "http://169.254.169.254/opc/v2"
DEFAULT_PROXYMUX_PORT = 12250
DEFAULT_SA_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/token"
DEFAULT_SA_CERT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"


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


@register(PROVIDER, "instance_principal", settings=("auth_endpoint_override", "metadata_timeout"))
def instance_principal(config: AuthConfig) -> OCICredentials:
    """The compute instance's identity: certificates from the metadata service, tokens from Auth."""
    from oci.auth.signers import InstancePrincipalsSecurityTokenSigner

    metadata = _metadata_url()
    problem = _metadata_problem(metadata, timeout=config.get_number("metadata_timeout", 2.0))
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
    region = config.region or config.get_str("region") or getattr(signer, "region", None)
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


@register(PROVIDER, "resource_principal", settings=())
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
    region = (config.region or config.get_str("region") or getattr(signer, "region", None)
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
@register(PROVIDER, "oke_workload_identity", settings=("service_host", "service_port", "sa_token_path", "sa_cert_path"))
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
    port = int(config.get_number("service_port", DEFAULT_PROXYMUX_PORT))
    token_path = str(config.get("sa_token_path") or DEFAULT_SA_TOKEN_PATH)
    cert_path = str(config.get("sa_cert_path", env="OCI_KUBERNETES_SERVICE_ACCOUNT_CERT_PATH")
                    or DEFAULT_SA_CERT_PATH)
    for what, path in (("service account token", token_path), ("CA certificate", cert_path)):
        if not os.path.isfile(path):
            raise AuthError(f"oci oke_workload_identity: the {what} {path} does not exist",
                            operation="resolve", provider=PROVIDER)
    region = config.region or config.get_str("region", env="OCI_RESOURCE_PRINCIPAL_REGION")
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
