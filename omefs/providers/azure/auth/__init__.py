"""Azure auth types: azure-identity credentials for tokens, keys and SAS for adlfs.

Auth types: ``connection_string``, ``account_key``, ``sas_token``,
``client_secret``, ``client_certificate``, ``managed_identity``,
``workload_identity``, ``anonymous``, ``default`` (see
:mod:`omefs.providers.azure.auth.resolvers` for each one's settings and environment
variables). Every type returns :class:`AzureCredentials`, whose
``storage_options()`` are adlfs's keyword arguments; token types hand adlfs
an async bridge to the azure-identity credential, which renews its tokens.
"""

from omefs.providers.azure.auth import resolvers  # noqa: F401  (registers the auth types)
from omefs.providers.azure.auth.credentials import (
    STORAGE_SCOPE,
    AsyncTokenCredentialBridge,
    AzureCredentials,
    SharedKeyAuth,
    account_from_url,
    blob_endpoint_of,
    jwt_claims,
    parse_connection_string,
)
from omefs.providers.azure.auth.resolvers import account_name, account_options, setting

__all__ = [
    "STORAGE_SCOPE",
    "AsyncTokenCredentialBridge",
    "AzureCredentials",
    "SharedKeyAuth",
    "account_from_url",
    "account_name",
    "account_options",
    "blob_endpoint_of",
    "jwt_claims",
    "parse_connection_string",
    "setting",
]
