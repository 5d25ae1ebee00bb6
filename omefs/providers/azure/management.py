"""Azure Resource Manager (the management plane) for one storage account.

Some of a storage account's settings are not in the Blob service at all but
in Azure Resource Manager: the lifecycle **management policy**
(``…/storageAccounts/{account}/managementPolicies/default``) and the Blob
service properties such as ``isVersioningEnabled``
(``…/storageAccounts/{account}/blobServices/default``). :class:`ManagementClient`
reads and writes those two resources.

It signs with the same azure-identity credential the account's data-plane
requests use (one token cache), asking it for a token of the management
audience. It needs two settings of the auth config that the data plane does
not: ``subscription_id`` and ``resource_group`` (else ``AZURE_SUBSCRIPTION_ID``
and ``AZURE_RESOURCE_GROUP``); ``management_endpoint`` points it elsewhere
than ``https://management.azure.com`` (a sovereign cloud, a test server).
The account is the one the bucket URL names.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from omefs.auth.base import setting
from omefs.errors import AuthError, ConfigError, NotFoundError, OmefsError, PermissionDeniedError
from omefs.redact import register_secret

if TYPE_CHECKING:
    import requests

    from omefs.providers.azure.auth.credentials import AzureCredentials

__all__ = [
    "API_VERSION",
    "MANAGEMENT_ENDPOINT",
    "MANAGEMENT_SCOPE",
    "ManagementClient",
    "management_client",
]

#: Azure Resource Manager's public endpoint.
MANAGEMENT_ENDPOINT = "https://management.azure.com"
#: The token scope of Azure Resource Manager.
MANAGEMENT_SCOPE = "https://management.azure.com/.default"
#: The Microsoft.Storage resource provider API version used for both resources.
API_VERSION = "2023-05-01"
PROVIDER = "azure"


def management_client(creds: AzureCredentials, account: str | None) -> ManagementClient:
    """A :class:`ManagementClient` for ``account`` from resolved Azure credentials.

    Raises :class:`~omefs.errors.ConfigError` naming the missing setting
    (``subscription_id``, ``resource_group``, the account) or saying that an
    account key, SAS or connection string cannot reach the management plane.
    """
    config = creds.config
    subscription = setting(config, "subscription_id", env="AZURE_SUBSCRIPTION_ID")
    group = setting(config, "resource_group", "resource_group_name", env="AZURE_RESOURCE_GROUP")
    account = account or creds.account_name()
    missing = [name for name, value in (("subscription_id", subscription),
                                        ("resource_group", group)) if not value]
    if missing:
        raise ConfigError(
            f"the Azure management plane needs the auth config setting(s) {', '.join(missing)} "
            f"(else AZURE_SUBSCRIPTION_ID / AZURE_RESOURCE_GROUP)",
            operation="manage", provider=PROVIDER)
    if not account:
        raise ConfigError("the Azure management plane needs a storage account: name it in the URL "
                          "(azure://CONTAINER@ACCOUNT/) or the account_name setting",
                          operation="manage", provider=PROVIDER)
    if creds.sdk is None or not hasattr(creds.sdk, "get_token"):
        raise ConfigError(
            f"the Azure management plane takes an Entra ID token; auth type {creds.auth_type!r} "
            f"(a key, SAS or connection string) only reaches the data plane. Use client_secret, "
            f"client_certificate, managed_identity, workload_identity or default",
            operation="manage", provider=PROVIDER)
    endpoint = str(setting(config, "management_endpoint", default=MANAGEMENT_ENDPOINT)).rstrip("/")
    scope = str(setting(config, "management_scope", default=MANAGEMENT_SCOPE))
    return ManagementClient(creds.sdk, subscription_id=str(subscription), resource_group=str(group),
                            account=str(account), endpoint=endpoint, scope=scope,
                            verify=creds.storage_options().get("connection_verify"))


class ManagementClient:
    """The management policy and Blob service properties of one storage account.

    Every method makes one request. Errors come back as :mod:`omefs.errors`
    (401 :class:`AuthError`, 403 :class:`PermissionDeniedError`, 404
    :class:`NotFoundError`, 400 :class:`ConfigError`, other
    :class:`OmefsError`) carrying ARM's error code and message.
    """

    def __init__(self, credential: Any, *, subscription_id: str, resource_group: str, account: str,
                 endpoint: str = MANAGEMENT_ENDPOINT, scope: str = MANAGEMENT_SCOPE,
                 verify: Any = None) -> None:
        self._credential = credential
        self.subscription_id = subscription_id
        self.resource_group = resource_group
        self.account = account
        self.endpoint = endpoint.rstrip("/")
        self.scope = scope
        self._verify = verify
        self._session: requests.Session | None = None

    @property
    def account_id(self) -> str:
        """The storage account's ARM resource id."""
        return (f"/subscriptions/{quote(self.subscription_id)}/resourceGroups/{quote(self.resource_group)}"
                f"/providers/Microsoft.Storage/storageAccounts/{quote(self.account)}")

    # -- management policy ------------------------------------------------------------------
    def get_management_policy(self) -> dict[str, Any] | None:
        """The account's management policy resource (``None`` when it has none)."""
        try:
            return self._call("GET", "managementPolicies/default")
        except NotFoundError as exc:
            if "ManagementPolicyNotFound" in str(exc):
                return None
            raise

    def put_management_policy(self, policy: dict[str, Any]) -> dict[str, Any]:
        """Replace the policy (``{"rules": [...]}``); returns the stored resource."""
        return self._call("PUT", "managementPolicies/default", {"properties": {"policy": policy}})

    def delete_management_policy(self) -> None:
        """Remove the policy (nothing to do when there is none)."""
        self._call("DELETE", "managementPolicies/default")

    # -- Blob service properties -------------------------------------------------------------
    def get_blob_service_properties(self) -> dict[str, Any]:
        """The ``properties`` of the Blob service resource (``isVersioningEnabled``…)."""
        return dict(self._call("GET", "blobServices/default").get("properties") or {})

    def set_blob_service_properties(self, properties: dict[str, Any]) -> dict[str, Any]:
        """Set the given Blob service properties; returns them as stored."""
        out = self._call("PUT", "blobServices/default", {"properties": properties})
        return dict(out.get("properties") or {})

    # -- plumbing ---------------------------------------------------------------------------
    def _http(self) -> requests.Session:
        if self._session is None:
            import requests

            self._session = requests.Session()
            if self._verify is not None:
                self._session.verify = self._verify
        return self._session

    def _token(self) -> str:
        try:
            token = str(self._credential.get_token(self.scope).token)
        except Exception as exc:
            raise AuthError(f"no Azure Resource Manager token for {self.scope}: {type(exc).__name__}",
                            operation="manage", provider=PROVIDER) from None
        register_secret(token)
        return token

    def _call(self, method: str, resource: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        url = f"{self.endpoint}{self.account_id}/{resource}"
        headers = {"Authorization": f"Bearer {self._token()}", "Accept": "application/json"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body)
        operation = f"{method} {resource}"
        try:
            response = self._http().request(method, url, params={"api-version": API_VERSION},
                                            headers=headers, data=data, timeout=60,
                                            verify=self._verify if self._verify is not None else True)
        except OSError as exc:  # requests' errors are OSErrors
            raise OmefsError(f"Azure Resource Manager unreachable at {self.endpoint}: "
                             f"{type(exc).__name__}", operation=operation, provider=PROVIDER) from None
        if response.status_code >= 400:
            raise _error(response.status_code, response.text, operation, self.account)
        if not response.content:
            return {}
        out = response.json()
        return out if isinstance(out, dict) else {}


def _error(status: int, text: str, operation: str, account: str) -> OmefsError:
    """ARM's ``{"error": {"code", "message"}}`` answer as an omefs error."""
    try:
        detail = json.loads(text).get("error") or {}
    except (ValueError, AttributeError):
        detail = {}
    code = detail.get("code") or f"HTTP {status}"
    message = f"Azure Resource Manager refused it for account {account!r}: {code}: " \
              f"{detail.get('message') or text[:200]}"
    kind: type[OmefsError] = OmefsError
    if status == 401:
        kind = AuthError
    elif status == 403:
        kind = PermissionDeniedError
    elif status == 404:
        kind = NotFoundError
    elif status == 400:
        kind = ConfigError
    return kind(message, operation=operation, provider=PROVIDER)
