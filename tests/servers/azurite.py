"""Azure Blob Storage on a local Azurite (blob service only, in memory).

The program is looked up as ``$AZURITE_BLOB``, else the project-local
``.node/node_modules/.bin/azurite-blob`` (``make test`` installs it), else
``azurite-blob`` on PATH.

Reach it with :attr:`Azurite.connection_string` (adlfs / azure-storage-blob
take it as is). adlfs's ``account_host=`` assumes https and retries the TLS
failure for over a minute, so use the connection string, or
:meth:`Azurite.sas_connection_string` for a SAS.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ._process import ManagedServer, ServerNotInstalled, http_probe

ACCOUNT_NAME = "devstoreaccount1"
ACCOUNT_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
               "K1SZFPTOtr/KBHBeksoGMGw==")
AZURITE_VERSION = "3.35.0"
REPO_ROOT = Path(__file__).resolve().parents[2]
LOCAL_AZURITE = REPO_ROOT / ".node" / "node_modules" / ".bin" / "azurite-blob"
INSTALL_HINT = (f"run `make test` (or `npm install --prefix .node azurite@{AZURITE_VERSION}` "
                "in the repository root), or set AZURITE_BLOB to an azurite-blob program")


def find_azurite() -> str:
    """The azurite-blob program; :class:`ServerNotInstalled` with how to get it when missing."""
    override = os.environ.get("AZURITE_BLOB")
    if override:
        path = shutil.which(override) or (override if os.access(override, os.X_OK) else None)
        if not path:
            raise ServerNotInstalled(f"AZURITE_BLOB={override!r} is not an executable program; "
                                     + INSTALL_HINT)
        return path
    if os.access(LOCAL_AZURITE, os.X_OK):
        return str(LOCAL_AZURITE)
    path = shutil.which("azurite-blob")
    if path:
        return path
    raise ServerNotInstalled("Azurite (azurite-blob) is not installed: " + INSTALL_HINT)


class Azurite(ManagedServer):
    name = "azurite"
    account_name = ACCOUNT_NAME
    account_key = ACCOUNT_KEY

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.program = find_azurite()
        self._workdir: str | None = None

    def command(self) -> list[str]:
        return [self.program, "--blobHost", self.host, "--blobPort", str(self.port),
                "--inMemoryPersistence", "--silent",
                "--disableTelemetry", "--skipApiVersionCheck", "--loose"]

    def env(self) -> dict[str, str]:
        env = super().env()
        env.pop("AZURITE_ACCOUNTS", None)  # would replace devstoreaccount1
        return env

    def cwd(self) -> str | None:
        # Run in a scratch folder: nothing (e.g. a debug log) lands in the caller's.
        # (``--location`` cannot be combined with ``--inMemoryPersistence``.)
        if self._workdir is None:
            self._workdir = tempfile.mkdtemp(prefix="omefs-azurite-")
        return self._workdir

    def probe(self) -> bool:
        # Any HTTP answer (an unsigned request gets 403) means it is listening.
        return http_probe(f"{self.blob_endpoint}?comp=list")()

    def stop(self) -> None:
        super().stop()
        if self._workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    # -- connection details ---------------------------------------------------
    @property
    def blob_endpoint(self) -> str:
        return f"{self.endpoint}/{ACCOUNT_NAME}"

    @property
    def connection_string(self) -> str:
        return (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT_NAME};"
                f"AccountKey={ACCOUNT_KEY};BlobEndpoint={self.blob_endpoint};")

    def storage_options(self) -> dict[str, Any]:
        """adlfs keyword arguments for this server."""
        return {"connection_string": self.connection_string}

    def blob_service_client(self) -> Any:
        from azure.storage.blob import BlobServiceClient

        return BlobServiceClient.from_connection_string(self.connection_string)

    def container_sas(self, container: str, write: bool = False,
                      expiry: timedelta = timedelta(hours=1)) -> str:
        """A container SAS token: read + list, or with ``write`` also add/create/write/delete."""
        from azure.storage.blob import ContainerSasPermissions, generate_container_sas

        perms = ContainerSasPermissions(read=True, list=True, add=write, create=write,
                                        write=write, delete=write)
        return generate_container_sas(
            account_name=ACCOUNT_NAME, container_name=container, account_key=ACCOUNT_KEY,
            permission=perms, expiry=datetime.now(timezone.utc) + expiry)

    def sas_connection_string(self, sas_token: str) -> str:
        """A connection string that authenticates with ``sas_token`` only."""
        return f"BlobEndpoint={self.blob_endpoint};SharedAccessSignature={sas_token.lstrip('?')}"

    def container_url(self, container: str, sas_token: str | None = None) -> str:
        url = f"{self.blob_endpoint}/{container}"
        return f"{url}?{sas_token.lstrip('?')}" if sas_token else url

    # -- state -------------------------------------------------------------------
    def reset(self) -> None:
        """Delete every container (breaking container leases first)."""
        from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
        from azure.storage.blob import BlobLeaseClient

        service = self.blob_service_client()
        with service:
            for item in service.list_containers():
                container = service.get_container_client(item.name)
                try:
                    container.delete_container()
                except ResourceNotFoundError:
                    pass
                except HttpResponseError:
                    BlobLeaseClient(container).break_lease(lease_break_period=0)
                    container.delete_container()

    def info(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "blob_endpoint": self.blob_endpoint,
                "account_name": ACCOUNT_NAME, "account_key": ACCOUNT_KEY,
                "connection_string": self.connection_string,
                "storage_options": self.storage_options()}
