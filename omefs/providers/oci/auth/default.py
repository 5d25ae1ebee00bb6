"""The ``default`` OCI auth type: ``OCI_CLI_AUTH`` if set, else the first identity the environment offers."""

from __future__ import annotations

import os

from omefs.auth.registry import register
from omefs.config import AuthConfig
from omefs.errors import AuthError, ConfigError
from omefs.providers.oci.auth.config_file import config_path, user_principal
from omefs.providers.oci.auth.credentials import PROVIDER, OCICredentials
from omefs.providers.oci.auth.principals import (
    instance_principal,
    oke_workload_identity,
    resource_principal,
)

__all__ = ["default"]

_CLI_AUTH = {
    "api_key": ("user_principal", {}),
    "security_token": ("user_principal", {"use_session_token": True}),
    "instance_principal": ("instance_principal", {}),
    "resource_principal": ("resource_principal", {}),
    "oke_workload_identity": ("oke_workload_identity", {}),
}


@register(PROVIDER, "default", settings=("config_path", "profile", "use_session_token", "auth_endpoint_override", "metadata_timeout", "service_host", "service_port", "sa_token_path", "sa_cert_path", "user", "fingerprint", "tenancy", "key_file", "key_content", "pass_phrase", "security_token_file"))
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
    path = config_path(config)
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
