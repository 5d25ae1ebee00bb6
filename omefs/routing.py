"""Zero-config routing: which auth profile (and endpoint) a URL uses.

The file named by ``OMEFS_CONFIG`` (default ``~/.config/omefs/config.yaml``)
holds named ``profiles`` (auth configs) and ``routes`` (URL prefix →
profile name)::

    profiles:
      prod-oci: {provider: oci, auth_type: instance_principal, region: us-ashburn-1}
      public:   {provider: aws, auth_type: anonymous}
      lake:
        provider: aws
        auth_type: assume_role
        settings: {role_arn: "arn:aws:iam::123456789012:role/lake", source: ci}
      ci:       {provider: aws, auth_type: web_identity}
    routes:
      "oci://mytenancy/": prod-oci
      "s3://open-data-bucket/": public
      "s3://lake/": lake

How a URL is matched:

* the longest matching prefix wins;
* a prefix that names only a bucket (``s3://bucket`` or ``s3://bucket/``)
  matches that bucket and everything in it, never ``s3://bucket2/…``; a
  longer prefix (``s3://bucket/logs-``) matches literally;
* schemes of one provider are one: ``s3a://`` is ``s3://``, ``gcs://`` is
  ``gs://``, ``azure://``/``abfs://``/``abfss://`` are ``az://`` (each
  provider names its routing scheme; the registry knows every scheme).

A profile's ``settings.endpoint_url`` (for Azure a connection string or
``account_url``) reaches the filesystem with its credentials, so a route
can point at a private endpoint or an emulator. ``fallback`` and
``settings.source`` may name another profile.

Explicit ``auth=`` or credential options given by the caller win over
routes. A file with an error raises :class:`~omefs.errors.ConfigError`
naming the file, the key and the problem, wherever the file is read. An
absent file is an empty config. The file is read again when it changes.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omefs.config import MAX_FALLBACK_DEPTH, AuthConfig
from omefs.errors import ConfigError
from omefs.providers import auth_provider, provider_for_scheme

__all__ = [
    "DEFAULT_PATH",
    "RouteMatch",
    "RoutingConfig",
    "config_path",
    "load_config",
    "load_profile",
    "match",
    "route_for",
]

DEFAULT_PATH = "~/.config/omefs/config.yaml"

def config_path() -> Path:
    """The routing config file in force (``OMEFS_CONFIG`` or the default)."""
    return Path(os.path.expanduser(os.environ.get("OMEFS_CONFIG") or DEFAULT_PATH))


def normalize_url(url: str) -> str:
    """``url`` with its scheme lower-cased and folded to its provider's one routing scheme.

    Every scheme of one provider routes alike (``s3a://`` is ``s3://``); the
    routing scheme is the provider's answer
    (:meth:`~omefs.providers.facade.FacadeHooks.route_scheme`). A scheme no
    provider claims is kept as written.
    """
    scheme, sep, rest = str(url).partition("://")
    if not sep:
        return str(url)
    scheme = scheme.lower()
    prov = provider_for_scheme(scheme)
    if prov is not None:
        scheme = prov.facade().route_scheme()
    return f"{scheme}://{rest}"


@dataclass(frozen=True)
class RouteMatch:
    """A route that matched: the prefix, the profile's name and its auth config."""

    prefix: str
    profile: str
    config: AuthConfig
    path: str


@dataclass(frozen=True)
class RoutingConfig:
    """The parsed routing file: profiles by name, routes longest prefix first."""

    path: str
    profiles: dict[str, AuthConfig] = field(default_factory=dict)
    routes: list[tuple[str, str]] = field(default_factory=list)

    def route(self, url: str) -> tuple[str, str] | None:
        """``(prefix, profile name)`` of the longest route matching ``url``."""
        target = normalize_url(url)
        for prefix, name in self.routes:
            if _matches(target, normalize_url(prefix)):
                return prefix, name
        return None

    def match(self, url: str) -> RouteMatch | None:
        """The :class:`RouteMatch` for ``url``, or None."""
        hit = self.route(url)
        if hit is None:
            return None
        return RouteMatch(prefix=hit[0], profile=hit[1], config=self.profiles[hit[1]], path=self.path)


def _matches(url: str, prefix: str) -> bool:
    if prefix.endswith("/") and url == prefix[:-1]:
        return True  # "gs://bucket/" (or ".../folder/") also routes the bucket (folder) itself
    if not url.startswith(prefix):
        return False
    rest = prefix.split("://", 1)[1]
    if "/" in rest.rstrip("/") or prefix.endswith("/"):
        return True  # a key prefix, or a bucket with its slash: literal
    # A bare bucket ("s3://bucket"): the bucket itself or anything under it.
    return len(url) == len(prefix) or url[len(prefix)] in "/?@"


_lock = threading.Lock()
_cache: dict[str, tuple[tuple[int, int], RoutingConfig]] = {}


def load_config(path: str | os.PathLike[str] | None = None) -> RoutingConfig:
    """Read and check the routing file (``path``, else ``OMEFS_CONFIG``, else the default).

    An absent file is an empty config (no profiles, no routes), except a
    ``path`` given here, which must exist.
    """
    p = Path(os.path.expanduser(str(path))) if path is not None else config_path()
    try:
        st = p.stat()
    except FileNotFoundError:
        if path is not None:
            raise ConfigError(f"{p}: no such routing config file", operation="load config") from None
        return RoutingConfig(path=str(p))
    except OSError as exc:
        raise ConfigError(f"{p}: cannot be read: {exc.strerror}", operation="load config") from None
    key, stamp = str(p), (st.st_mtime_ns, st.st_size)
    with _lock:
        hit = _cache.get(key)
        if hit and hit[0] == stamp:
            return hit[1]
    parsed = _parse(p)
    with _lock:
        _cache[key] = (stamp, parsed)
    return parsed


def _fail(p: Path, where: str, problem: str) -> ConfigError:
    return ConfigError(f"{p}: {where}: {problem}" if where else f"{p}: {problem}", operation="load config")


def _parse(p: Path) -> RoutingConfig:
    import yaml

    try:
        text = p.read_text()
    except OSError as exc:
        raise _fail(p, "", f"cannot be read: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise _fail(p, "", f"not valid YAML{line}: {problem}") from None
    if not isinstance(data, Mapping):
        raise _fail(p, "", "the top level must be a mapping with 'profiles' and 'routes'")
    unknown = set(data) - {"profiles", "routes"}
    if unknown:
        raise _fail(p, ", ".join(sorted(map(str, unknown))), "unknown top-level key; accepted: profiles, routes")
    raw_profiles = data.get("profiles") or {}
    if not isinstance(raw_profiles, Mapping):
        raise _fail(p, "profiles", "must be a mapping of profile name to auth config")
    profiles: dict[str, AuthConfig] = {}
    for name, body in raw_profiles.items():
        where = f"profiles.{name}"
        resolved = _resolve_refs(body, raw_profiles, p, where, ())
        try:
            profiles[str(name)] = AuthConfig.from_dict(resolved)
        except ConfigError as exc:
            raise _fail(p, where, _bare(exc)) from None
    raw_routes = data.get("routes") or {}
    if not isinstance(raw_routes, Mapping):
        raise _fail(p, "routes", "must be a mapping of URL prefix to profile name")
    routes: list[tuple[str, str]] = []
    for prefix, name in raw_routes.items():
        where = f"routes.{prefix!r}"
        if "://" not in str(prefix):
            raise _fail(p, where, "is not a URL prefix (expected e.g. 's3://bucket/')")
        if not isinstance(name, str):
            raise _fail(p, where, f"must name a profile, got {type(name).__name__}")
        if name not in profiles:
            raise _fail(p, where, f"names profile {name!r}, which is not defined; defined profiles: "
                        f"{', '.join(sorted(profiles)) or '(none)'}")
        wanted = auth_provider(str(prefix).split("://", 1)[0])
        if wanted and profiles[name].provider != wanted:
            raise _fail(p, where, f"a {str(prefix).split('://', 1)[0]}:// URL needs a {wanted} profile, "
                        f"but profile {name!r} is for {profiles[name].provider}")
        routes.append((str(prefix), name))
    routes.sort(key=lambda item: len(normalize_url(item[0])), reverse=True)
    return RoutingConfig(path=str(p), profiles=profiles, routes=routes)


_CONTEXT = re.compile(r" \((?:operation|uri|provider)=[^()]*\)$")


def _bare(exc: ConfigError) -> str:
    """The error's message without omefs's ``(operation=…, provider=…)`` suffix."""
    return _CONTEXT.sub("", exc.message)


def _resolve_refs(body: Any, profiles: Mapping[Any, Any], p: Path, where: str,
                  seen: tuple[str, ...]) -> Any:
    """Inline profiles named by ``fallback`` and ``settings.source`` (checking they exist, no cycles)."""
    if len(seen) > MAX_FALLBACK_DEPTH:
        raise _fail(p, where, f"profile references nest deeper than {MAX_FALLBACK_DEPTH}")
    if not isinstance(body, Mapping):
        raise _fail(p, where, f"must be a mapping (an auth config), got {type(body).__name__}")
    body = dict(body)

    def follow(ref: str, key: str) -> Any:
        if ref not in profiles:
            raise _fail(p, f"{where}.{key}", f"names profile {ref!r}, which is not defined; defined "
                        f"profiles: {', '.join(sorted(map(str, profiles))) or '(none)'}")
        if ref in seen:
            raise _fail(p, f"{where}.{key}", f"profile {ref!r} refers back to itself "
                        f"({' -> '.join((*seen, ref))})")
        return _resolve_refs(profiles[ref], profiles, p, f"profiles.{ref}", (*seen, ref))

    name = where.split(".", 1)[1] if where.startswith("profiles.") else where
    seen = seen or (name,)
    if isinstance(body.get("fallback"), str):
        body["fallback"] = follow(body["fallback"], "fallback")
    elif isinstance(body.get("fallback"), Mapping):
        body["fallback"] = _resolve_refs(body["fallback"], profiles, p, f"{where}.fallback", seen)
    for container in ("settings", "extra"):
        settings = body.get(container)
        if isinstance(settings, Mapping) and isinstance(settings.get("source"), str):
            body[container] = dict(settings, source=follow(settings["source"], f"{container}.source"))
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


def match(url: str) -> RouteMatch | None:
    """The route (prefix, profile name, config) that ``url`` takes, or None."""
    cfg = load_config()
    if not cfg.routes:
        return None
    return cfg.match(url)


def route_for(url: str) -> AuthConfig | None:
    """The profile's auth config that routes ``url``, or None when no route matches."""
    hit = match(url)
    return hit.config if hit else None
