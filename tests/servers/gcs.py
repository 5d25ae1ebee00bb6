"""GCS on a local gcp-storage-emulator (in memory, anonymous access).

The emulator serves from a single-threaded ``http.server.HTTPServer`` whose
listen backlog is 5: with gcsfs's concurrent requests (``pipe``/``cat`` of
many paths) the kernel drops connection attempts and each one waits out
TCP's SYN retransmit back-off — 200 small objects took ~110 s. It is
therefore started through a tiny launcher that raises the backlog first
(200 objects: ~0.5 s).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from ._process import ManagedServer, ServerError, http_probe, http_request

PROJECT = "test"

# Fixes applied before the emulator starts:
# * the listen backlog (see the module docstring);
# * when its server thread dies (e.g. the port is taken) the emulator would
#   wait forever: exit instead, so that start() fails fast with the log;
# * it ignores suffix ranges (``Range: bytes=-N``, the last N bytes) and sends
#   the whole object; real GCS honours them: rewrite them to ``bytes=S-``;
# * it ignores the object resource in the body of ``rewrite`` (real GCS
#   applies it to the destination: that is how a class changes in place,
#   ``{"storageClass": "NEARLINE"}``): apply its writable fields.
# * it answers DELETE on a resumable upload's session URI with 501 (gcsfs then
#   retries for half a minute); real GCS cancels the session and answers 499
#   ("Client Closed Request"): do that;
# * object generations in buckets with ``versioning.enabled`` (gcs_generations.py).
# * ``objects.move`` (``moveTo``), which gcsfs's ``mv`` tries first (gcs_move.py).
# * in memory it still rewrites its whole object table, as indented JSON, after
#   every write (O(objects) per write: 10,000 small objects took over 5 minutes
#   of its CPU), a file that only a restart from disk reads: not in memory.
_LAUNCHER = """\
import os, re, socketserver, sys, threading, traceback
socketserver.TCPServer.request_queue_size = 1024

def _die(args):
    traceback.print_exception(args.exc_type, args.exc_value, args.exc_traceback)
    sys.stderr.flush()
    os._exit(1)

threading.excepthook = _die

from gcp_storage_emulator.handlers import objects
_download = objects.download

def _download_with_suffix_ranges(request, response, storage, *args, **kwargs):
    match = re.fullmatch(r"\\s*bytes=-([0-9]+)\\s*", request.get_header("range", "") or "")
    if match:
        try:
            size = len(storage.get_file(request.params["bucket_name"],
                                        request.params["object_id"]))
        except Exception:
            size = None
        if size:
            start = max(0, size - int(match.group(1)))
            request._request_handler.headers.replace_header("Range", f"bytes={start}-")
    return _download(request, response, storage, *args, **kwargs)

objects.download = _download_with_suffix_ranges  # before the routes are built

_rewrite = objects.rewrite

def _rewrite_with_resource(request, response, storage, *args, **kwargs):
    _rewrite(request, response, storage, *args, **kwargs)
    body = request.data if isinstance(request.data, dict) else {}
    fields = {k: v for k, v in body.items() if k in objects._WRITABLE_FIELDS}
    if response.status != 200 or not fields:
        return
    bucket, name = request.params["dest_bucket_name"], request.params["dest_object_id"]
    obj = objects._patch(storage, bucket, name, fields)
    if "storageClass" in fields:
        obj["timeStorageClassUpdated"] = obj["updated"]
        storage.patch_object(bucket, name, obj)
    size = str(obj["size"])
    response.json({"kind": "storage#rewriteResponse", "totalBytesRewritten": size,
                   "objectSize": size, "done": True, "resource": obj})

objects.rewrite = _rewrite_with_resource

from gcp_storage_emulator import storage as _storage
_save_meta = _storage.Storage._write_config_to_file

def _save_meta_on_disk_only(self):
    if not self._use_memory_fs:
        _save_meta(self)

_storage.Storage._write_config_to_file = _save_meta_on_disk_only

sys.path.insert(0, sys.argv.pop(1))  # this folder: gcs_generations.py
import gcs_generations
gcs_generations.install()  # object generations in versioned buckets
import gcs_move
gcs_move.install()  # objects.move (gcsfs's mv), after the handlers are patched
# After every handler patch: importing the server builds its routes.
from gcp_storage_emulator import server as _server, settings as _settings
from gcp_storage_emulator.exceptions import NotFound as _NotFound
from gcp_storage_emulator.storage import RESUMABLE_DIR as _RESUMABLE_DIR
from http import HTTPStatus as _HTTPStatus

class _ClientClosed:  # 499 is no HTTPStatus member; the response needs value and phrase
    value, phrase = 499, "Client Closed Request"

def _cancel_resumable(request, response, storage, *args, **kwargs):
    upload_id = (request.query.get("upload_id") or [""])[0]
    try:
        storage.delete_resumable_file_obj(upload_id)
    except _NotFound:
        response.status = _HTTPStatus.NOT_FOUND
        return
    storage._delete_file(_RESUMABLE_DIR, storage.safe_id(upload_id))
    response.status = _ClientClosed

for _regex, _methods in _server.HANDLERS:
    if _regex.startswith("^" + _settings.UPLOAD_API_ENDPOINT) and "PUT" in _methods:
        _methods["DELETE"] = _cancel_resumable

from gcp_storage_emulator.__main__ import main
main(sys.argv[1:])
"""


class GCSEmulator(ManagedServer):
    name = "gcs"

    def command(self) -> list[str]:
        here = os.path.dirname(os.path.abspath(__file__))
        return [sys.executable, "-c", _LAUNCHER, here, "start", "-H", self.host, "--port", str(self.port),
                "--in-memory", "-q"]

    def probe(self) -> bool:
        return http_probe(f"{self.endpoint}/", ok=lambda s: s == 200)()

    def reset(self) -> None:
        """Delete every bucket and object."""
        status, text = http_request("GET", f"{self.endpoint}/wipe")
        if status != 200:
            raise ServerError(f"{self.name}: GET /wipe -> {status}: {text[:500]!r}")

    def storage_options(self) -> dict[str, Any]:
        """gcsfs keyword arguments for this server."""
        return {"token": "anon", "project": PROJECT, "endpoint_url": self.endpoint}

    def info(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "project": PROJECT,
                "storage_options": self.storage_options()}
