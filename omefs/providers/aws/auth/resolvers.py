"""The AWS auth types, each resolved through botocore's own providers and fetchers.

| auth type | SDK piece | settings (env) |
| --- | --- | --- |
| ``access_key`` | static ``Credentials`` | ``access_key_id``, ``secret_access_key``, ``session_token`` (``AWS_ACCESS_KEY_ID``…) |
| ``profile`` | ``Session(profile=…)`` chain | ``profile``, ``config_file``, ``credentials_file`` (``AWS_PROFILE``…) |
| ``assume_role`` | ``AssumeRoleCredentialFetcher`` | ``role_arn``, ``role_session_name``, ``external_id``, ``duration_seconds``, ``policy``, ``sts_endpoint_url``, ``source`` / ``source_profile`` |
| ``web_identity`` | ``AssumeRoleWithWebIdentityCredentialFetcher`` | ``role_arn``, ``token_file``, ``role_session_name`` (``AWS_ROLE_ARN``, ``AWS_WEB_IDENTITY_TOKEN_FILE``…) |
| ``instance_profile`` | ``InstanceMetadataFetcher`` (IMDSv2) | ``metadata_endpoint``, ``endpoint_mode``, ``imds_v1_disabled`` (``AWS_EC2_METADATA_SERVICE_ENDPOINT``…) |
| ``ecs_task_role`` | ``ContainerMetadataFetcher`` | ``full_uri``/``relative_uri``, ``authorization_token``/``authorization_token_file`` (``AWS_CONTAINER_*``) |
| ``process`` | ``ProcessProvider`` | ``credential_process`` |
| ``anonymous`` | unsigned requests | — |
| ``default`` | botocore's default chain | ``profile`` |

Every type also takes ``region`` (else ``AWS_REGION``, ``AWS_DEFAULT_REGION``,
the profile's region) and ``endpoint_url`` (the S3 endpoint). Network
types take ``timeout`` and ``max_attempts``. Resolving fetches the
credentials once, so that a fallback chain moves on at once when a link
cannot obtain any.
"""

from __future__ import annotations

import json
import os
import shlex
import time
from typing import Any

from omefs.auth.registry import declare_settings, register
from omefs.config import AuthConfig, as_auth_config
from omefs.errors import AuthError, ConfigError
from omefs.flags import is_true
from omefs.providers.aws.auth.common import (
    botocore_session,
    client_creator,
    number,
    options_for,
    region_of,
    require,
    sdk_failure,
    setting,
    temporary,
)
from omefs.providers.aws.auth.credentials import PROVIDER, AWSCredentials, CredentialSource
from omefs.redact import get_logger, register_secret

__all__: list[str] = []  # the auth types register themselves; nothing else is public here

log = get_logger("omefs.providers.aws.auth")


# -- static keys ---------------------------------------------------------------------
@register(PROVIDER, "access_key", settings=("access_key_id", "secret_access_key", "session_token", "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "key", "secret", "token"))
def access_key(config: AuthConfig) -> AWSCredentials:
    """A static access key pair, optionally with a session token.

    Settings ``access_key_id``, ``secret_access_key``, ``session_token``
    (boto's ``aws_access_key_id``… and s3fs's ``key``/``secret``/``token``
    are accepted too); when neither key is in the settings, the three come
    from ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``.
    """
    key = setting(config, "access_key_id", "aws_access_key_id", "key")
    secret = setting(config, "secret_access_key", "aws_secret_access_key", "secret")
    token = setting(config, "session_token", "aws_session_token", "token")
    if not key and not secret:
        key = os.environ.get("AWS_ACCESS_KEY_ID")
        secret = os.environ.get("AWS_SECRET_ACCESS_KEY")
        token = token or os.environ.get("AWS_SESSION_TOKEN")
    missing = [n for n, v in (("access_key_id", key), ("secret_access_key", secret)) if not v]
    if missing:
        raise AuthError(
            f"aws access_key needs settings {', '.join(missing)} "
            "(or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
            operation="resolve", provider=PROVIDER,
        )
    register_secret(secret)
    register_secret(token)
    region = region_of(config)
    # The botocore credentials object (``sdk``) is made from ``static`` on first use.
    return AWSCredentials(config, options=options_for(config, region), region=region,
                          aio_factory=lambda: _aio_static(key, secret, token),
                          static=(key, secret, token))


def _aio_static(key: str, secret: str, token: str | None) -> Any:
    """aiobotocore credentials of a static key pair (imported when s3fs asks for them)."""
    from aiobotocore.credentials import AioCredentials

    return AioCredentials(key, secret, token, method="omefs-access-key")


@register(PROVIDER, "anonymous", settings=())
def anonymous(config: AuthConfig) -> AWSCredentials:
    """Unsigned requests, for public buckets."""
    region = region_of(config)
    return AWSCredentials(config, options=options_for(config, region, anon=True), region=region,
                          anonymous=True)


# -- the SDK's own chains ----------------------------------------------------------------
def _session_vars(config: AuthConfig) -> dict[str, Any]:
    out: dict[str, Any] = {}
    config_file = setting(config, "config_file")
    credentials_file = setting(config, "credentials_file", "shared_credentials_file")
    if config_file:
        out["config_file"] = os.path.expanduser(str(config_file))
    if credentials_file:
        out["credentials_file"] = os.path.expanduser(str(credentials_file))
    return out


def _from_session(config: AuthConfig, profile: str | None, what: str) -> AWSCredentials:
    session_vars = _session_vars(config)
    session = botocore_session(profile, session_vars)
    try:
        creds = session.get_credentials()
        if creds is not None:
            creds.get_frozen_credentials()  # deferred (assume-role, SSO…) credentials fetch here
    except Exception as exc:
        raise sdk_failure(config, what, exc) from None
    if creds is None:
        raise AuthError(
            f"aws {config.auth_type}: no credentials found by {what} (environment, shared "
            "credentials and config files, SSO, container and instance metadata)",
            operation="resolve", provider=PROVIDER,
        )
    frozen = creds.get_frozen_credentials()
    register_secret(frozen.secret_key)
    register_secret(frozen.token)
    region = region_of(config, session)
    return AWSCredentials(config, sdk=creds, options=options_for(config, region), region=region,
                          session_profile=profile, session_vars=session_vars)


@register(PROVIDER, "profile", settings=("profile", "profile_name", "config_file", "credentials_file", "shared_credentials_file"))
def profile(config: AuthConfig) -> AWSCredentials:
    """A named profile of the shared config/credentials files, resolved as the AWS CLI would.

    Settings ``profile`` (else ``AWS_PROFILE``), ``config_file`` (else
    ``AWS_CONFIG_FILE``), ``credentials_file`` (else
    ``AWS_SHARED_CREDENTIALS_FILE``). The profile may itself assume a role,
    run a ``credential_process`` or use SSO: botocore (and aiobotocore in
    s3fs) resolve and refresh it.
    """
    name = setting(config, "profile", "profile_name", env=("AWS_PROFILE", "AWS_DEFAULT_PROFILE"))
    if not name:
        raise AuthError("aws profile needs setting profile (or AWS_PROFILE)",
                        operation="resolve", provider=PROVIDER)
    session = botocore_session(None, _session_vars(config))
    try:
        available = list(session.available_profiles)
    except Exception as exc:
        raise sdk_failure(config, "reading the shared config files", exc) from None
    if name not in available:
        raise AuthError(
            f"aws profile {name!r} is not defined in the shared config or credentials file; "
            f"defined profiles: {', '.join(sorted(available)) or '(none)'}",
            operation="resolve", provider=PROVIDER,
        )
    return _from_session(config, str(name), f"profile {name!r}")


@register(PROVIDER, "default", settings=("profile", "profile_name", "config_file", "credentials_file", "shared_credentials_file"))
def default(config: AuthConfig) -> AWSCredentials:
    """botocore's default chain: environment, shared files, SSO, container, instance metadata."""
    name = setting(config, "profile", "profile_name")
    return _from_session(config, str(name) if name else None, "botocore's default chain")


# -- assume role ----------------------------------------------------------------------


def _source_credentials(config: AuthConfig) -> Any:
    """The botocore credentials that call ``AssumeRole``: ``source``, ``source_profile`` or the default chain."""
    from omefs.auth.resolve import resolve_source

    source = config.settings.get("source")
    source_profile = setting(config, "source_profile")
    if source is None and source_profile:
        source = {"provider": "aws", "auth_type": "profile", "settings": {"profile": source_profile}}
    if source is None:
        return _from_session(config, None, "botocore's default chain (no source given)").sdk
    try:
        source_config = as_auth_config(source, PROVIDER)
    except ConfigError as exc:
        raise ConfigError(f"aws {config.auth_type}: setting source: {exc.message}",
                          operation="resolve", provider=PROVIDER) from None
    if source_config is None or source_config.provider != PROVIDER:
        raise ConfigError(
            f"aws {config.auth_type}: source must be an aws auth config, got provider "
            f"{getattr(source_config, 'provider', None)!r}",
            operation="resolve", provider=PROVIDER)
    creds = resolve_source(source_config, f"aws {config.auth_type}")
    if getattr(creds, "sdk", None) is None or not hasattr(creds.sdk, "get_frozen_credentials"):
        raise ConfigError(f"aws {config.auth_type}: source resolved to {creds.auth_type}, which has "
                          "no credentials to call STS with", operation="resolve", provider=PROVIDER)
    return creds.sdk


def _role_args(config: AuthConfig) -> dict[str, Any]:
    """AssumeRole parameters from the settings (session name defaults to ``omefs-<time>``)."""
    extra: dict[str, Any] = {
        "RoleSessionName": str(setting(config, "role_session_name", env="AWS_ROLE_SESSION_NAME")
                               or f"omefs-{int(time.time())}"),
    }
    duration = number(config, "duration_seconds", int)
    if duration:
        extra["DurationSeconds"] = duration
    policy = setting(config, "policy")
    if policy:
        extra["Policy"] = policy if isinstance(policy, str) else json.dumps(policy)
    return extra


@register(PROVIDER, "assume_role", settings=("role_arn", "role_session_name", "external_id", "duration_seconds", "policy", "source", "source_profile"))
def assume_role(config: AuthConfig) -> AWSCredentials:
    """STS ``AssumeRole`` from source credentials, renewed by botocore before they expire.

    Settings ``role_arn`` (else ``AWS_ROLE_ARN``), ``role_session_name``,
    ``external_id``, ``duration_seconds``, ``policy``, ``sts_endpoint_url``
    (else botocore's ``AWS_ENDPOINT_URL_STS``), ``sts_region``, and the
    source: ``source`` (another auth config, or a profile name of the
    routing config — so roles chain) or ``source_profile`` (a shared-config
    profile); without either, botocore's default chain.
    """
    from botocore.credentials import AssumeRoleCredentialFetcher

    role_arn = setting(config, "role_arn", env="AWS_ROLE_ARN")
    require(config, role_arn=role_arn)
    region = region_of(config)
    extra = _role_args(config)
    external_id = setting(config, "external_id")
    if external_id:
        extra["ExternalId"] = str(external_id)
    source_creds = _source_credentials(config)
    fetcher = AssumeRoleCredentialFetcher(
        client_creator=client_creator(config, region), source_credentials=source_creds,
        role_arn=str(role_arn), extra_args=extra,
    )
    source = CredentialSource(fetcher.fetch_credentials, "assume-role", f"assume_role {role_arn}")
    return temporary(config, source, region)


@register(PROVIDER, "web_identity", settings=("role_arn", "token_file", "web_identity_token_file", "role_session_name", "duration_seconds", "policy"))
def web_identity(config: AuthConfig) -> AWSCredentials:
    """STS ``AssumeRoleWithWebIdentity`` with an OIDC token file (EKS IRSA, GitHub Actions…).

    Settings ``role_arn`` (else ``AWS_ROLE_ARN``), ``token_file`` (else
    ``AWS_WEB_IDENTITY_TOKEN_FILE``), ``role_session_name`` (else
    ``AWS_ROLE_SESSION_NAME``), ``duration_seconds``, ``sts_endpoint_url``.
    The file is read again at every renewal, as rotated tokens need.
    """
    from botocore.credentials import AssumeRoleWithWebIdentityCredentialFetcher
    from botocore.utils import FileWebIdentityTokenLoader

    role_arn = setting(config, "role_arn", env="AWS_ROLE_ARN")
    token_file = setting(config, "token_file", "web_identity_token_file",
                         env="AWS_WEB_IDENTITY_TOKEN_FILE")
    require(config, role_arn=role_arn, token_file=token_file)
    token_path = os.path.expanduser(str(token_file))
    if not os.path.isfile(token_path):
        raise AuthError(f"aws web_identity: token file {token_path!r} does not exist",
                        operation="resolve", provider=PROVIDER)
    file_loader = FileWebIdentityTokenLoader(token_path)

    def load_token() -> str:
        token: str = file_loader()
        register_secret(token.strip())  # botocore logs request parameters at DEBUG
        return token

    region = region_of(config)
    fetcher = AssumeRoleWithWebIdentityCredentialFetcher(
        client_creator=client_creator(config, region), web_identity_token_loader=load_token,
        role_arn=str(role_arn), extra_args=_role_args(config),
    )
    source = CredentialSource(fetcher.fetch_credentials, "assume-role-with-web-identity",
                              f"web_identity {role_arn}")
    return temporary(config, source, region)


# -- metadata endpoints -----------------------------------------------------------------
@register(PROVIDER, "instance_profile", settings=("metadata_endpoint", "ec2_metadata_service_endpoint", "endpoint_mode", "ec2_metadata_service_endpoint_mode", "imds_v1_disabled", "ec2_metadata_v1_disabled"))
def instance_profile(config: AuthConfig) -> AWSCredentials:
    """The EC2 instance profile's role, from the instance metadata service (IMDSv2 token first).

    Settings ``metadata_endpoint`` (else ``AWS_EC2_METADATA_SERVICE_ENDPOINT``),
    ``endpoint_mode`` (``ipv4``/``ipv6``), ``imds_v1_disabled`` (else
    ``AWS_EC2_METADATA_V1_DISABLED``), ``timeout`` (else
    ``AWS_METADATA_SERVICE_TIMEOUT``, default 1 s), ``max_attempts`` (else
    ``AWS_METADATA_SERVICE_NUM_ATTEMPTS``, default 1).
    """
    from botocore.utils import InstanceMetadataFetcher, resolve_imds_endpoint_mode

    if is_true(os.environ.get("AWS_EC2_METADATA_DISABLED", "false")):
        raise AuthError("aws instance_profile: AWS_EC2_METADATA_DISABLED is set, so the instance "
                        "metadata service is not asked", operation="resolve", provider=PROVIDER)
    session = botocore_session()
    endpoint = setting(config, "metadata_endpoint", "ec2_metadata_service_endpoint") \
        or session.get_config_variable("ec2_metadata_service_endpoint")
    mode = setting(config, "endpoint_mode", "ec2_metadata_service_endpoint_mode") \
        or resolve_imds_endpoint_mode(session)
    v1_disabled = setting(config, "imds_v1_disabled", "ec2_metadata_v1_disabled")
    imds_config = {
        "ec2_metadata_service_endpoint": endpoint,
        "ec2_metadata_service_endpoint_mode": mode,
        "ec2_credential_refresh_window": 15 * 60,
        "ec2_metadata_v1_disabled": is_true(v1_disabled) if v1_disabled is not None
        else session.get_config_variable("ec2_metadata_v1_disabled"),
    }
    fetcher = InstanceMetadataFetcher(
        timeout=number(config, "timeout", float, env="AWS_METADATA_SERVICE_TIMEOUT") or 1,
        num_attempts=number(config, "max_attempts", int, env="AWS_METADATA_SERVICE_NUM_ATTEMPTS") or 1,
        config=imds_config, env=dict(os.environ),
    )
    where = endpoint or "the default IMDS address"
    role: dict[str, str] = {}

    def fetch() -> dict[str, Any]:
        metadata: dict[str, Any] = fetcher.retrieve_iam_role_credentials()
        if not metadata:
            raise AuthError(f"aws instance_profile: no role credentials from the instance metadata "
                            f"service at {where}", operation="resolve", provider=PROVIDER)
        role["name"] = metadata.pop("role_name", "")
        return metadata

    source = CredentialSource(fetch, "iam-role", "instance_profile")
    creds = temporary(config, source, region_of(config, session))
    if role.get("name"):
        creds.details["role_name"] = role["name"]
    return creds


@register(PROVIDER, "ecs_task_role", settings=("full_uri", "relative_uri", "authorization_token", "authorization_token_file"))
def ecs_task_role(config: AuthConfig) -> AWSCredentials:
    """The ECS task role or EKS Pod Identity, from the container credentials endpoint.

    Settings ``relative_uri`` (else ``AWS_CONTAINER_CREDENTIALS_RELATIVE_URI``,
    joined to ECS's 169.254.170.2) or ``full_uri`` (else
    ``AWS_CONTAINER_CREDENTIALS_FULL_URI``; botocore allows https, loopback
    and the ECS/EKS link-local hosts), ``authorization_token_file`` (else
    ``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE``, read at every renewal) or
    ``authorization_token`` (else ``AWS_CONTAINER_AUTHORIZATION_TOKEN``),
    ``timeout`` (default 2 s), ``max_attempts`` (default 3).
    """
    from botocore.httpsession import URLLib3Session
    from botocore.utils import ContainerMetadataFetcher

    relative = setting(config, "relative_uri", env="AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
    full = setting(config, "full_uri", env="AWS_CONTAINER_CREDENTIALS_FULL_URI")
    if not relative and not full:
        raise AuthError("aws ecs_task_role needs setting relative_uri or full_uri (or "
                        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI)",
                        operation="resolve", provider=PROVIDER)
    token_file = setting(config, "authorization_token_file",
                         env="AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
    token = setting(config, "authorization_token", env="AWS_CONTAINER_AUTHORIZATION_TOKEN")
    register_secret(token)
    timeout = number(config, "timeout", float) or ContainerMetadataFetcher.TIMEOUT_SECONDS
    fetcher = ContainerMetadataFetcher(session=URLLib3Session(timeout=timeout))
    fetcher.TIMEOUT_SECONDS = timeout
    fetcher.RETRY_ATTEMPTS = number(config, "max_attempts", int) or ContainerMetadataFetcher.RETRY_ATTEMPTS
    # botocore sleeps after every failed attempt, the last one too: not when there is one only
    fetcher.SLEEP_TIME = 0 if fetcher.RETRY_ATTEMPTS == 1 else min(ContainerMetadataFetcher.SLEEP_TIME, timeout)
    url = fetcher.full_url(str(relative)) if relative else str(full)

    def fetch() -> dict[str, Any]:
        auth = token
        if token_file:
            with open(os.path.expanduser(str(token_file))) as fh:
                auth = fh.read().strip()
            register_secret(auth)
        headers = None
        if auth:
            if "\r" in auth or "\n" in auth:
                raise ConfigError("aws ecs_task_role: the authorization token holds a line break",
                                  operation="resolve", provider=PROVIDER)
            headers = {"Authorization": auth}
        reply = fetcher.retrieve_full_uri(url, headers=headers)
        if not isinstance(reply, dict) or "AccessKeyId" not in reply:
            raise AuthError(f"aws ecs_task_role: {url} returned no credentials",
                            operation="resolve", provider=PROVIDER)
        return {"access_key": reply["AccessKeyId"], "secret_key": reply.get("SecretAccessKey"),
                "token": reply.get("Token"), "expiry_time": reply.get("Expiration"),
                "account_id": reply.get("AccountId")}

    source = CredentialSource(fetch, "container-role", f"ecs_task_role at {url}")
    return temporary(config, source, region_of(config))


@register(PROVIDER, "process", settings=("credential_process", "command"))
def process(config: AuthConfig) -> AWSCredentials:
    """An external program printing credentials as JSON (AWS ``credential_process``, version 1).

    Setting ``credential_process``: the command, a string split as a shell
    would (no shell runs) or a list of arguments. botocore's
    ``ProcessProvider`` runs it and parses its output; it runs again when
    the printed ``Expiration`` comes near.
    """
    from botocore.credentials import ProcessProvider

    command = setting(config, "credential_process", "command")
    require(config, credential_process=command)
    if isinstance(command, (list, tuple)):
        command = shlex.join(str(part) for part in command)
    provider = ProcessProvider(
        profile_name="omefs", load_config=lambda: {"profiles": {"omefs": {"credential_process": command}}},
    )

    def fetch() -> dict[str, Any]:
        # ProcessProvider.load() wraps the same call in a credentials object;
        # the metadata itself is what the shared source needs.
        return dict(provider._retrieve_credentials_using(command))

    source = CredentialSource(fetch, "custom-process", "process")
    return temporary(config, source, region_of(config))


#: Settings every aws auth type takes (endpoints, timeouts, and the settings of
#: features beyond auth); one list for the provider.
declare_settings(PROVIDER, ("region_name", "s3_endpoint_url", "sts_endpoint_url", "sts_region", "timeout", "max_attempts"))
