"""Zero-config routing: which auth profile a URL uses.

The file named by ``OMEFS_CONFIG`` (default ``~/.config/omefs/config.yaml``)
holds named ``profiles`` (auth configs) and ``routes`` (URL prefix →
profile name)::

    profiles:
      prod-oci: {provider: oci, auth_type: instance_principal, region: us-ashburn-1}
      public:   {provider: aws, auth_type: anonymous}
    routes:
      "oci://mytenancy/": prod-oci
      "s3://open-data-bucket/": public

The longest matching prefix wins. A file with an error raises
:class:`~omefs.errors.ConfigError` naming the file, the key and the problem.
The file is read again when it changes.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omefs.config import AuthConfig
from omefs.errors import ConfigError

__all__ = ["RoutingConfig", "config_path", "load_config", "load_profile", "route_for"]

DEFAULT_PATH = "~/.config/omefs/config.yaml"


def config_path() -> Path:
    """The routing config file in force (``OMEFS_CONFIG`` or the default)."""
    return Path(os.path.expanduser(os.environ.get("OMEFS_CONFIG") or DEFAULT_PATH))


@dataclass(frozen=True)
class RoutingConfig:
    """The parsed routing file: profiles by name, routes longest prefix first."""

    path: str
    profiles: dict[str, AuthConfig] = field(default_factory=dict)
    routes: list[tuple[str, str]] = field(default_factory=list)

    def route(self, url: str) -> tuple[str, str] | None:
        """``(prefix, profile name)`` of the longest route matching ``url``."""
        for prefix, name in self.routes:
            if _matches(url, prefix):
                return prefix, name
        return None


def _matches(url: str, prefix: str) -> bool:
    if url.startswith(prefix):
        return True
    # "s3://bucket" also matches "s3://bucket/key" and the bucket itself.
    return not prefix.endswith("/") and url.startswith(prefix + "/")


_lock = threading.Lock()
_cache: dict[str, tuple[float, RoutingConfig]] = {}


def load_config(path: str | os.PathLike[str] | None = None) -> RoutingConfig:
    """Read and check the routing file (an absent file is an empty config)."""
    p = Path(path) if path is not None else config_path()
    try:
        mtime = p.stat().st_mtime
    except FileNotFoundError:
        return RoutingConfig(path=str(p))
    key = str(p)
    with _lock:
        hit = _cache.get(key)
        if hit and hit[0] == mtime:
            return hit[1]
    parsed = _parse(p)
    with _lock:
        _cache[key] = (mtime, parsed)
    return parsed


def _parse(p: Path) -> RoutingConfig:
    import yaml

    try:
        data = yaml.safe_load(p.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: not valid YAML: {exc}", operation="load config") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot be read: {exc.strerror}", operation="load config") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: the top level must be a mapping with 'profiles' and 'routes'",
                          operation="load config")
    unknown = set(data) - {"profiles", "routes"}
    if unknown:
        raise ConfigError(f"{p}: unknown top-level key(s) {sorted(unknown)}; accepted: profiles, routes",
                          operation="load config")
    raw_profiles = data.get("profiles") or {}
    if not isinstance(raw_profiles, dict):
        raise ConfigError(f"{p}: 'profiles' must be a mapping of name to auth config",
                          operation="load config")
    profiles: dict[str, AuthConfig] = {}
    for name, body in raw_profiles.items():
        try:
            profiles[str(name)] = AuthConfig.from_dict(_resolve_refs(body, raw_profiles, p, name))
        except ConfigError as exc:
            raise ConfigError(f"{p}: profiles.{name}: {exc.message}", operation="load config") from None
    raw_routes = data.get("routes") or {}
    if not isinstance(raw_routes, dict):
        raise ConfigError(f"{p}: 'routes' must be a mapping of URL prefix to profile name",
                          operation="load config")
    routes: list[tuple[str, str]] = []
    for prefix, name in raw_routes.items():
        if str(name) not in profiles:
            raise ConfigError(
                f"{p}: routes.{prefix!r} names profile {name!r}, which is not defined; "
                f"defined profiles: {', '.join(sorted(profiles)) or '(none)'}",
                operation="load config",
            )
        if "://" not in str(prefix):
            raise ConfigError(
                f"{p}: routes.{prefix!r} is not a URL prefix (expected e.g. 's3://bucket/')",
                operation="load config",
            )
        routes.append((str(prefix), str(name)))
    routes.sort(key=lambda item: len(item[0]), reverse=True)
    return RoutingConfig(path=str(p), profiles=profiles, routes=routes)


def _resolve_refs(body: Any, profiles: dict[str, Any], p: Path, name: Any, depth: int = 0) -> Any:
    """Let ``fallback`` and ``settings.source`` name another profile by its name."""
    if depth > 10:
        raise ConfigError(f"{p}: profiles.{name}: profile references nest too deep (a cycle?)",
                          operation="load config")
    if not isinstance(body, dict):
        raise ConfigError(f"{p}: profiles.{name} must be a mapping", operation="load config")
    body = dict(body)
    fb = body.get("fallback")
    if isinstance(fb, str):
        if fb not in profiles:
            raise ConfigError(f"{p}: profiles.{name}.fallback names unknown profile {fb!r}",
                              operation="load config")
        body["fallback"] = _resolve_refs(profiles[fb], profiles, p, fb, depth + 1)
    return body


def load_profile(name: str) -> AuthConfig:
    """The profile ``name`` of the routing file; :class:`ConfigError` if it is not defined."""
    cfg = load_config()
    try:
        return cfg.profiles[name]
    except KeyError:
        raise ConfigError(
            f"{cfg.path}: no profile named {name!r}; defined profiles: "
            f"{', '.join(sorted(cfg.profiles)) or '(none)'}",
            operation="load config",
        ) from None


def route_for(url: str) -> AuthConfig | None:
    """The profile that routes ``url``, or None when no route matches."""
    cfg = load_config()
    if not cfg.routes:
        return None
    hit = cfg.route(url)
    return cfg.profiles[hit[1]] if hit else None
