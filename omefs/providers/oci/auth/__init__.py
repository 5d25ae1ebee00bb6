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

from omefs.providers.oci.auth.config_file import user_principal
from omefs.providers.oci.auth.credentials import (
    OCICredentials,
    SessionTokenFileSigner,
    key_fingerprint,
)
from omefs.providers.oci.auth.default import default
from omefs.providers.oci.auth.principals import (
    instance_principal,
    oke_workload_identity,
    resource_principal,
)

# Importing the modules above registers the auth types with omefs.auth.registry.
__all__ = [
    "OCICredentials",
    "SessionTokenFileSigner",
    "key_fingerprint",
    "user_principal",
    "instance_principal",
    "resource_principal",
    "oke_workload_identity",
    "default",
]

from omefs.auth.registry import declare_settings  # noqa: E402

#: Settings every OCI auth type takes (the region and endpoint are shared by every provider).
declare_settings("oci", ("namespace", "config_kwargs"))
