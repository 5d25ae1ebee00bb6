"""Turning command-line flags into what the API takes: auth configs, storage options.

* ``--auth`` / ``--src-auth`` / ``--dst-auth`` take either a profile name
  of the routing config (``OMEFS_CONFIG``) or the path of a YAML or JSON
  file holding one auth config (``{provider, auth_type, region,
  settings, fallback}``).
* ``-o KEY=VALUE`` sets one storage option of the filesystem; values are
  read as JSON scalars where they look like one (``true``, ``3``,
  ``null``) and ``a.b=v`` sets a nested option (``client_kwargs.region_name=…``).
* ``--endpoint-url`` sets ``endpoint_url``, which every omefs filesystem takes.

Options and auth apply only to remote URLs (``scheme://``); a local path
takes none of them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from omefs.config import AuthConfig, as_auth_config
from omefs.errors import ConfigError, UsageError
from omefs.redact import register_secrets_in

__all__ = [
    "UsageError",
    "is_remote",
    "load_auth",
    "open_fs",
    "parse_option_pairs",
    "side_settings",
]

_FILE_SUFFIXES = {".yaml", ".yml", ".json"}


def is_remote(url: str) -> bool:
    """Whether ``url`` names an object store (``scheme://…``) rather than a local path.

    A scheme of a provider that is this machine's plain files (local and
    not bucketed, such as ``file://``) is a local path.
    """
    scheme, sep, _ = url.partition("://")
    if not sep:
        return False
    from omefs.providers import provider_for_scheme

    prov = provider_for_scheme(scheme)
    if prov is None:
        return True
    caps = prov.capabilities
    return not (caps.local and not caps.bucketed)


def load_auth(value: str | None, *, flag: str = "--auth") -> AuthConfig | None:
    """The auth config a flag names: a profile of the routing config, or a YAML/JSON file."""
    if value is None or value == "":
        return None
    path = Path(os.path.expanduser(value))
    looks_like_file = path.suffix.lower() in _FILE_SUFFIXES or os.sep in value
    if path.is_file():
        return _load_auth_file(path, flag)
    if looks_like_file:
        raise ConfigError(f"{flag} {value}: no such auth config file", operation="load auth")
    return as_auth_config(value)


def _load_auth_file(path: Path, flag: str) -> AuthConfig:
    import yaml

    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"{flag} {path}: cannot be read: {exc.strerror}", operation="load auth") from None
    try:
        data = yaml.safe_load(text)  # JSON is YAML too
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"{flag} {path}: not valid YAML or JSON{where}", operation="load auth") from None
    if isinstance(data, dict) and set(data) == {"auth"}:
        data = data["auth"]
    if not isinstance(data, dict):
        raise ConfigError(
            f"{flag} {path}: expected one auth config mapping "
            "(provider, auth_type, region, settings, fallback)",
            operation="load auth",
        )
    try:
        return AuthConfig.from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{flag} {path}: {exc.message}") from None


def _parse_value(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("null", "none"):
        return None
    if text[:1] in "[{" or _is_number(text):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and text != ""


def parse_option_pairs(pairs: list[str] | None, *, flag: str = "-o") -> dict[str, Any]:
    """``["a=1", "b.c=x"]`` → ``{"a": 1, "b": {"c": "x"}}``; secrets registered for redaction."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"{flag} {pair.split('=', 1)[0]!r}: expected KEY=VALUE")
        value = _parse_value(raw)
        target = out
        parts = key.split(".")
        for part in parts[:-1]:
            nested = target.setdefault(part, {})
            if not isinstance(nested, dict):
                raise UsageError(f"{flag} {key}: {part!r} is set both as a value and as a group")
            target = nested
        target[parts[-1]] = value
    register_secrets_in(out)
    return out


def side_settings(
    args: Any, side: str | None
) -> tuple[AuthConfig | None, dict[str, Any]]:
    """``(auth, storage options)`` for one side (``"src"``, ``"dst"`` or None for single-URL verbs).

    A side's own flags (``--src-auth``, ``--src-endpoint-url``) win over
    the shared ones (``--auth``, ``--endpoint-url``).
    """
    auth_value = getattr(args, f"{side}_auth", None) if side else None
    flag = f"--{side}-auth" if side and auth_value else "--auth"
    auth = load_auth(auth_value or getattr(args, "auth", None), flag=flag)
    options = parse_option_pairs(getattr(args, "option", None))
    if side:
        side_opts = parse_option_pairs(getattr(args, f"{side}_option", None), flag=f"--{side}-option")
        options.update(side_opts)
    endpoint = (getattr(args, f"{side}_endpoint_url", None) if side else None) or getattr(
        args, "endpoint_url", None
    )
    if endpoint:
        options["endpoint_url"] = endpoint
    from omefs.cli.encryption import encryption_option

    encryption = encryption_option(args, side)
    if encryption is not None:
        options["encryption"] = encryption
    return auth, options


def open_fs(url: str, auth: AuthConfig | None, options: dict[str, Any], *,
            front: bool = False) -> tuple[Any, str]:
    """``(filesystem, path)`` for ``url``; auth and options only reach remote URLs.

    With ``front``, a provider's obstore front where it has one that takes these
    options (:mod:`omefs.providers.front`): listings without its SDK stack, for
    verbs that show no more than names, sizes and times.
    """
    from omefs.api import url_to_fs

    if is_remote(url):
        if front:
            from omefs.providers.front import open_front

            opened = open_front(url, auth, options)
            if opened is not None:
                return opened
        return url_to_fs(url, auth=auth, **options)
    return url_to_fs(url)

