"""The ``user_principal`` auth type: an API key (or a session token) from an OCI config-file profile."""

from __future__ import annotations

import configparser
import os
from typing import Any

from omefs.auth.registry import register
from omefs.config import AuthConfig
from omefs.errors import AuthError, ConfigError
from omefs.flags import is_true
from omefs.providers.oci.auth.credentials import (
    PROVIDER,
    OCICredentials,
    SessionTokenFileSigner,
    key_fingerprint,
)
from omefs.redact import register_secret

__all__ = ["user_principal", "config_path", "DEFAULT_CONFIG_PATH", "DEFAULT_PROFILE"]

DEFAULT_CONFIG_PATH = os.path.join("~", ".oci", "config")
DEFAULT_PROFILE = "DEFAULT"


def config_path(config: AuthConfig) -> str:
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


@register(PROVIDER, "user_principal", settings=("config_path", "profile", "use_session_token", "user", "fingerprint", "tenancy", "key_file", "key_content", "pass_phrase", "security_token_file"))
def user_principal(config: AuthConfig) -> OCICredentials:
    """An API key (or a session token) from an OCI config file profile."""
    from oci.signer import Signer

    path = config_path(config)
    profile = _profile(config)
    values = _read_profile(path, profile)
    region = config.region or config.get_str("region") or values.get("region") or os.environ.get("OCI_REGION")
    fingerprint = values.get("fingerprint")
    where = f"oci user_principal profile {profile!r} in {path}" + (
        f" (fingerprint {fingerprint})" if fingerprint else ""
    )
    key_file = values.get("key_file")
    if not key_file:
        raise AuthError(f"{where}: key_file is missing", operation="resolve", provider=PROVIDER)
    key_file = os.path.expanduser(key_file)
    pass_phrase = values.get("pass_phrase") or None
    use_token = is_true(config.get("use_session_token", env="OCI_USE_SESSION_TOKEN"))
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
