"""Small local fakes of the credential endpoints the cloud SDKs talk to (all of them, gathered).

Each runs in-process on 127.0.0.1 (a thread per request), answers only what
the SDK asks for, and counts what it was asked, so a test can prove that a
token flow really happened (and how many times it was refreshed):

* :class:`FakeIMDS` — EC2 instance metadata, IMDSv2 (token PUT, then GETs);
* :class:`FakeContainerCredentials` — the ECS / EKS Pod Identity endpoint;
* :class:`FakeGoogleOAuth` — Google's OAuth token endpoint (JWT bearer and
  STS token exchange) and the IAM credentials ``generateAccessToken`` API;
* :class:`FakeGCEMetadata` — the GCE metadata server;
* :class:`FakeEntra` — Microsoft Entra ID (tenant discovery, client
  credentials with a secret, a certificate assertion or a federated token),
  over TLS as azure-identity requires;
* :class:`FakeAppServiceIdentity` — the App Service managed identity endpoint.

Temporary credentials come from an ``issuer`` callable so that a test can
hand out real keys of a moto server (see :func:`moto_key_issuer`).

They live in :mod:`tests.servers.fake_http` (the server, TLS files),
:mod:`tests.servers.fake_aws`, :mod:`tests.servers.fake_google` and
:mod:`tests.servers.fake_azure`; this module gathers them for the tests.
"""

from tests.servers.fake_aws import (
    ALLOW_ASSUME,
    ALLOW_S3,
    BOTOCORE_REFRESH_MARGIN,
    TRUST_ANYONE,
    AWSKeys,
    FakeContainerCredentials,
    FakeIMDS,
    Issuer,
    MotoIAM,
    RegionalS3Front,
    counting_issuer,
    moto_key_issuer,
    static_issuer,
)
from tests.servers.fake_azure import (
    STORAGE_AUDIENCE,
    AzuriteOAuth,
    EntraApp,
    FakeAppServiceIdentity,
    FakeEntra,
    azure_access_token,
    make_client_certificate,
)
from tests.servers.fake_google import (
    GCSFS_REFRESH_MARGIN,
    BearerCheckingProxy,
    FakeGCEMetadata,
    FakeGoogleOAuth,
    make_service_account_key,
)
from tests.servers.fake_http import (
    FakeManager,
    FakeServer,
    NotFoundServer,
    Reply,
    Seen,
    TLSFiles,
    iso,
    json_reply,
    make_tls_files,
    text_reply,
    utcnow,
    write_json,
)

__all__ = [
    "ALLOW_ASSUME",
    "ALLOW_S3",
    "AWSKeys",
    "AzuriteOAuth",
    "BOTOCORE_REFRESH_MARGIN",
    "BearerCheckingProxy",
    "EntraApp",
    "FakeAppServiceIdentity",
    "FakeContainerCredentials",
    "FakeEntra",
    "FakeGCEMetadata",
    "FakeGoogleOAuth",
    "FakeIMDS",
    "FakeManager",
    "FakeServer",
    "GCSFS_REFRESH_MARGIN",
    "Issuer",
    "MotoIAM",
    "NotFoundServer",
    "RegionalS3Front",
    "Reply",
    "STORAGE_AUDIENCE",
    "Seen",
    "TLSFiles",
    "TRUST_ANYONE",
    "azure_access_token",
    "counting_issuer",
    "iso",
    "json_reply",
    "make_client_certificate",
    "make_service_account_key",
    "make_tls_files",
    "moto_key_issuer",
    "static_issuer",
    "text_reply",
    "utcnow",
    "write_json",
]
