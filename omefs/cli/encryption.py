"""The command line's encryption flags: ``--encryption``, ``--kms-key-id``, ``--customer-key``.

Single-URL verbs (``ls``, ``stat``, ``cat``, ``rm``, ``mount``) apply them to
their URL. ``cp`` and ``sync`` apply them to the destination — the
destination's setting is how the copies are written — and read a
customer-key source with ``--src-customer-key`` or ``--src-customer-key-file``.

A key on the command line is visible to other users of the machine
(``ps``); ``--customer-key-file`` is the safer form. Either way the key is
registered as a secret: no output of omefs shows it.
"""

from __future__ import annotations

import argparse
from typing import Any

from omefs.encryption import MODES, parse_encryption
from omefs.errors import ConfigError

__all__ = ["add_arguments", "encryption_option"]


def add_arguments(parent: argparse.ArgumentParser, *, pair: bool) -> None:
    """Add the encryption flags to a verb's parent parser (``pair``: a two-URL verb)."""
    group = parent.add_argument_group("encryption at rest")
    target = " of the destination" if pair else ""
    group.add_argument("--encryption", choices=MODES, metavar="MODE",
                       help=f"how objects are encrypted{target}: {', '.join(MODES)} "
                       "(default: the bucket's own default)")
    group.add_argument("--kms-key-id", metavar="KEY",
                       help="with --encryption kms: the KMS key (an S3 key ARN, a GCS CMEK key "
                       "name, an Azure encryption scope, an OCI Vault key OCID)")
    group.add_argument("--customer-key", metavar="BASE64",
                       help=f"a 32-byte customer key{target}, base64 (prefer --customer-key-file)")
    group.add_argument("--customer-key-file", metavar="PATH",
                       help=f"a file holding the 32-byte customer key{target} (raw or base64)")
    if pair:
        group.add_argument("--src-customer-key", metavar="BASE64",
                           help="the customer key the source objects were written with")
        group.add_argument("--src-customer-key-file", metavar="PATH",
                           help="a file holding the source's customer key")
    group.add_argument("--allow-insecure-customer-key", action="store_true",
                       help="test servers only: send a customer key over plain HTTP to a "
                       "loopback address")


def _customer(args: Any, prefix: str) -> dict[str, Any] | None:
    key = getattr(args, f"{prefix}customer_key", None)
    path = getattr(args, f"{prefix}customer_key_file", None)
    if key and path:
        raise ConfigError(f"give --{prefix.replace('_', '-')}customer-key or "
                          f"--{prefix.replace('_', '-')}customer-key-file, not both",
                          operation="config")
    if not key and not path:
        return None
    out: dict[str, Any] = {"mode": "customer"}
    out["customer_key" if key else "customer_key_file"] = key or path
    return out


def encryption_option(args: Any, side: str | None) -> Any:
    """The ``encryption`` storage option the flags give one side (None: no flag given).

    ``side`` is ``"src"`` or ``"dst"`` for ``cp``/``sync``, None for one-URL verbs.
    """
    insecure = bool(getattr(args, "allow_insecure_customer_key", False))
    if side == "src":
        setting = _customer(args, "src_")
    else:
        mode = getattr(args, "encryption", None)
        key_id = getattr(args, "kms_key_id", None)
        setting = _customer(args, "")
        if setting is None and (mode or key_id):
            setting = {"mode": mode or "kms", "key_id": key_id}
        elif setting is not None and mode not in (None, "customer"):
            raise ConfigError(f"--customer-key goes with --encryption customer, not {mode!r}",
                              operation="config")
    if setting is None:
        return None
    if insecure:
        setting["allow_insecure_customer_key"] = True
    return parse_encryption(setting)
