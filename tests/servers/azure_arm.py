"""A fake of the Azure Resource Manager endpoints of a storage account (Azurite has none).

It serves, over TLS (azure-identity and ARM clients expect https), for the
storage accounts registered with :meth:`FakeAzureARM.add_account`:

* ``GET|PUT|DELETE /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/
  storageAccounts/{account}/managementPolicies/default`` — the lifecycle
  management policy (404 ``ManagementPolicyNotFound`` when there is none);
* ``GET|PUT …/storageAccounts/{account}/blobServices/default`` — the Blob
  service properties (``isVersioningEnabled``, ``deleteRetentionPolicy``…);
  a PUT sets the properties it carries and keeps the others.

Every request needs ``api-version`` and a bearer token as :class:`FakeEntra`
issues them: an HS256 JWT signed with its key, for the audience
``https://management.azure.com``, not expired, from the expected tenant.
A storage-audience token is refused (401 ``InvalidAuthenticationTokenAudience``),
as ARM refuses it. Errors are in ARM's shape: ``{"error": {"code", "message"}}``.
Policies are checked as ARM checks them (rule names alphanumeric and unique,
``type: Lifecycle``, at least one action, ``blockBlob`` or ``appendBlob``
blob types), so a document omefs builds wrong is refused here too.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from tests.servers.fake_azure import FakeEntra
from tests.servers.fake_http import FakeServer, Reply, Seen, TLSFiles, json_reply, utcnow

__all__ = ["ARM_AUDIENCE", "ArmAccount", "ArmWorld", "FakeAzureARM"]

ARM_AUDIENCE = "https://management.azure.com"
SIGNING_KEY = b"omefs-fake-entra-signing-key-32b!"  # the key FakeEntra signs with
_PATH = re.compile(r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/"
                   r"Microsoft\.Storage/storageAccounts/(?P<account>[^/]+)/(?P<rest>.+)$",
                   re.IGNORECASE)
_RULE_NAME = re.compile(r"^[A-Za-z0-9]{1,256}$")
_BASE_ACTIONS = {"tierToCool", "tierToCold", "tierToHot", "tierToArchive", "delete",
                 "enableAutoTierToHotFromCool"}


@dataclass
class ArmAccount:
    """One storage account's management-plane state."""

    subscription: str
    resource_group: str
    name: str
    policy: dict[str, Any] | None = None
    policy_modified: str | None = None
    blob_service: dict[str, Any] = field(default_factory=lambda: {
        "isVersioningEnabled": False,
        "deleteRetentionPolicy": {"enabled": False},
        "containerDeleteRetentionPolicy": {"enabled": False},
        "changeFeed": {"enabled": False},
        "cors": {"corsRules": []},
    })

    @property
    def resource_id(self) -> str:
        return (f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"
                f"/providers/Microsoft.Storage/storageAccounts/{self.name}")


def arm_error(status: int, code: str, message: str) -> Reply:
    return json_reply({"error": {"code": code, "message": message}}, status)


class FakeAzureARM(FakeServer):
    """Azure Resource Manager's storage-account endpoints for management policies and
    Blob service properties (see the module docstring)."""

    name = "fake-azure-arm"

    def __init__(self, tls: TLSFiles, tenant: str = "00000000-0000-0000-0000-0000000000aa") -> None:
        super().__init__(tls=tls)
        self.tenant = tenant
        self.accounts: dict[tuple[str, str, str], ArmAccount] = {}
        self._state_lock = threading.Lock()

    # -- set-up ----------------------------------------------------------------------------
    def add_account(self, subscription: str, resource_group: str, name: str) -> ArmAccount:
        key = (subscription.lower(), resource_group.lower(), name.lower())
        with self._state_lock:
            account = self.accounts.setdefault(key, ArmAccount(subscription, resource_group, name))
        return account

    def clear(self) -> None:
        """Forget every account and every request seen."""
        with self._state_lock:
            self.accounts.clear()
        self.reset()

    def management_requests(self) -> list[Seen]:
        """The requests that reached a storage account's resources (not counting refused tokens)."""
        return [s for s in self.requests() if _PATH.match(s.path)]

    # -- serving ---------------------------------------------------------------------------
    def handle(self, req: Seen) -> Reply:
        refused = self._check_token(req.headers.get("authorization", ""))
        if refused is not None:
            return refused
        match = _PATH.match(req.path)
        if match is None:
            return arm_error(404, "InvalidResourceType", f"no resource at {req.path}")
        if not req.query.get("api-version"):
            return arm_error(400, "MissingApiVersionParameter",
                             "The api-version query parameter (?api-version=) is required for all requests.")
        key = (match["sub"].lower(), match["rg"].lower(), match["account"].lower())
        with self._state_lock:
            account = self.accounts.get(key)
            if account is None:
                return arm_error(404, "ResourceNotFound",
                                 f"The Resource 'Microsoft.Storage/storageAccounts/{match['account']}' "
                                 f"under resource group '{match['rg']}' was not found.")
            rest = match["rest"].rstrip("/").lower()
            if rest == "managementpolicies/default":
                return self._policy(req, account)
            if rest == "blobservices/default":
                return self._blob_service(req, account)
        return arm_error(404, "InvalidResourceType", f"resource type {match['rest']!r} is not served")

    def _check_token(self, header: str) -> Reply | None:
        import jwt

        if not header.startswith("Bearer "):
            return arm_error(401, "AuthenticationFailed",
                             "Authentication failed. The 'Authorization' header is missing.")
        try:
            claims = jwt.decode(header[7:], SIGNING_KEY, algorithms=["HS256"], audience=None,
                                options={"verify_aud": False})
        except jwt.ExpiredSignatureError:
            return arm_error(401, "ExpiredAuthenticationToken", "The access token expiry has passed.")
        except jwt.PyJWTError as exc:
            return arm_error(401, "InvalidAuthenticationToken", f"The access token is invalid ({exc}).")
        if str(claims.get("aud", "")).rstrip("/") != ARM_AUDIENCE:
            return arm_error(401, "InvalidAuthenticationTokenAudience",
                             f"The access token has been obtained for wrong audience or resource "
                             f"'{claims.get('aud')}'. It should exactly match with one of the allowed "
                             f"audiences '{ARM_AUDIENCE}', '{ARM_AUDIENCE}/'.")
        if claims.get("iss") != f"https://sts.windows.net/{self.tenant}/":
            return arm_error(401, "InvalidAuthenticationTokenTenant",
                             f"The access token is from the wrong issuer '{claims.get('iss')}'.")
        return None

    def _policy(self, req: Seen, account: ArmAccount) -> Reply:
        if req.method == "GET":
            if account.policy is None:
                return arm_error(404, "ManagementPolicyNotFound",
                                 f"No ManagementPolicy found for account {account.name}")
            return json_reply(self._policy_resource(account))
        if req.method == "DELETE":
            account.policy = None
            return 200, {"Content-Length": "0"}, b""
        if req.method == "PUT":
            body = _json(req)
            policy = ((body or {}).get("properties") or {}).get("policy")
            problem = _check_policy(policy)
            if problem:
                return arm_error(400, "InvalidManagementPolicyRules" if policy else "InvalidRequestContent",
                                 problem)
            account.policy = policy
            account.policy_modified = utcnow().isoformat()
            return json_reply(self._policy_resource(account))
        return arm_error(405, "MethodNotAllowed", f"{req.method} is not allowed on managementPolicies")

    @staticmethod
    def _policy_resource(account: ArmAccount) -> dict[str, Any]:
        return {"id": f"{account.resource_id}/managementPolicies/default",
                "name": "DefaultManagementPolicy",
                "type": "Microsoft.Storage/storageAccounts/managementPolicies",
                "properties": {"lastModifiedTime": account.policy_modified, "policy": account.policy}}

    def _blob_service(self, req: Seen, account: ArmAccount) -> Reply:
        if req.method == "PUT":
            props = (_json(req) or {}).get("properties")
            if not isinstance(props, dict):
                return arm_error(400, "InvalidRequestContent", "The request content has no 'properties'.")
            if "isVersioningEnabled" in props and not isinstance(props["isVersioningEnabled"], bool):
                return arm_error(400, "InvalidRequestContent", "isVersioningEnabled must be a boolean.")
            account.blob_service.update(props)
        elif req.method != "GET":
            return arm_error(405, "MethodNotAllowed", f"{req.method} is not allowed on blobServices")
        return json_reply({"id": f"{account.resource_id}/blobServices/default", "name": "default",
                           "type": "Microsoft.Storage/storageAccounts/blobServices",
                           "properties": account.blob_service})


def _json(req: Seen) -> Any:
    import json

    try:
        return json.loads(req.body or b"null")
    except ValueError:
        return None


def _check_policy(policy: Any) -> str | None:
    """What ARM would refuse in a policy document (None: acceptable)."""
    if not isinstance(policy, dict) or not isinstance(policy.get("rules"), list):
        return "The request content must be a management policy with a list of rules."
    names: set[str] = set()
    for rule in policy["rules"]:
        name = rule.get("name") if isinstance(rule, dict) else None
        if not isinstance(name, str) or not _RULE_NAME.match(name):
            return f"Rule name {name!r} is invalid: a rule name contains only alphanumeric characters."
        if name in names:
            return f"Rule name {name!r} is used more than once."
        names.add(name)
        if rule.get("type") != "Lifecycle":
            return f"Rule {name}: type must be 'Lifecycle'."
        definition = rule.get("definition") or {}
        actions = definition.get("actions") or {}
        if not any(actions.get(k) for k in ("baseBlob", "snapshot", "version")):
            return f"Rule {name}: a rule needs at least one action."
        unknown = set(actions.get("baseBlob") or {}) - _BASE_ACTIONS
        if unknown:
            return f"Rule {name}: unknown baseBlob action(s) {sorted(unknown)}."
        blob_types = (definition.get("filters") or {}).get("blobTypes")
        if not blob_types or set(blob_types) - {"blockBlob", "appendBlob"}:
            return f"Rule {name}: filters.blobTypes must list blockBlob and/or appendBlob."
    return None


# ---------------------------------------------------------------------------
# What the fixtures (tests/servers/azure_arm_fixtures.py) hand a test
CLIENT_ID = "arm-app"
CLIENT_SECRET = "arm-client-secret-0001"  # noqa: S105 - a test server's secret
SUBSCRIPTION = "00000000-0000-0000-0000-00000000beef"
RESOURCE_GROUP = "omefs-tests"
ACCOUNT = "devstoreaccount1"


@dataclass
class ArmWorld:
    """An Entra ID fake and an ARM fake that trusts its tokens."""

    entra: FakeEntra
    arm: FakeAzureARM
    tls: TLSFiles
    account: ArmAccount | None = None

    def settings(self, **more: Any) -> dict[str, Any]:
        """Auth-config settings (``client_secret``) that reach the ARM fake."""
        return {"tenant_id": self.entra.tenant, "authority_host": self.entra.authority,
                "disable_instance_discovery": True, "connection_verify": str(self.tls.ca),
                "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                "subscription_id": SUBSCRIPTION, "resource_group": RESOURCE_GROUP,
                "management_endpoint": self.arm.endpoint, "retry_total": 0, **more}

    def auth(self, **more: Any) -> dict[str, Any]:
        """A whole auth config (``provider: azure``, ``client_secret``) with :meth:`settings`."""
        return {"provider": "azure", "auth_type": "client_secret", "settings": self.settings(**more)}
