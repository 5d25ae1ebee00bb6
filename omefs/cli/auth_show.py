"""``omefs auth show [URL]``: the auth config a URL (or ``--auth``) resolves to, secrets masked.

It answers "which settings will omefs use here?" without calling the
store: where the config comes from (``--auth``, the route of the routing
config that matches, or the SDK's default chain), the provider, auth type,
region, every setting (secrets shown as ``***``), the fallback chain, and
the storage options the filesystem will be given (the endpoint above all).
Nothing printed holds a secret.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from omefs.errors import UsageError
from omefs.redact import redact_settings, redact_text

__all__ = ["add_parser", "show"]

_DESCRIPTION = """\
Print the auth config a URL would use, resolved, with every secret masked:
its source (--auth, a route of $OMEFS_CONFIG, or the SDK's default chain),
provider, auth type, region, settings, fallbacks, and the endpoint and other
storage options the filesystem is given. No call is made to the store.
"""

_EXAMPLES = """\
Examples:
  omefs auth show s3://my-bucket/data/
  omefs auth show --auth prod-azure
  omefs auth show --json gs://models/
"""


def add_parser(verbs: Any) -> argparse.ArgumentParser:
    """Register ``show`` on the sub-verbs of ``omefs auth``."""
    parser: argparse.ArgumentParser = verbs.add_parser(
        "show", help="the resolved auth config of a URL or profile, secrets masked",
        description=_DESCRIPTION, epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="omefs auth show [--auth PROFILE|FILE] [--json] [URL]",
    )
    parser.add_argument("url", nargs="?", metavar="URL", help="the URL whose config to show")
    parser.add_argument("--auth", metavar="PROFILE|FILE",
                        help="a profile of the routing config, or a YAML/JSON auth config file")
    parser.add_argument("--endpoint-url", metavar="URL", help="service endpoint (emulator, private)")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON document")
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="log what omefs does and show tracebacks of errors")
    return parser


def run_show(args: argparse.Namespace) -> int:
    """Run ``omefs auth show``; the exit status (0, or 1 when the config does not resolve)."""
    from omefs.cli.options import load_auth

    if not args.url and not args.auth:
        raise UsageError("give a URL, or --auth to show a profile or auth config file")
    result = show(args.url, load_auth(args.auth), auth_name=args.auth, endpoint_url=args.endpoint_url)
    if args.json:
        from omefs.cli.output import print_json

        print_json(result)
    else:
        _print_text(result)
    return 0 if result["resolved"] else 1


def config_for(url: str | None, auth: Any, auth_name: str | None) -> tuple[Any, dict[str, Any]]:
    """The auth config a command uses for ``url`` (``--auth``, else the URL's route, else the
    provider's default chain) and where it came from: ``source``, and ``profile``, ``route``
    and ``config_file`` where they apply. ``(None, {})`` with neither a URL nor ``--auth``.
    """
    from omefs.config import AuthConfig
    from omefs.providers import auth_provider
    from omefs.routing import config_path, match

    if auth is not None:
        where: dict[str, Any] = {"source": "--auth"}
        if auth_name and "/" not in auth_name and not auth_name.endswith((".yaml", ".yml", ".json")):
            where.update(profile=auth_name, config_file=str(config_path()))
        return auth, where
    if not url:
        return None, {}
    hit = match(url)
    if hit is not None:
        return hit.config, {"source": "route", "profile": hit.profile, "route": hit.prefix,
                            "config_file": hit.path}
    provider = auth_provider(url.split("://", 1)[0] if "://" in url else "")
    if provider is None:
        raise UsageError(f"{url!r} is not a URL of a store omefs knows "
                         "(s3://, gs://, az://, azure://, oci://, github://)")
    return AuthConfig(provider=provider, auth_type="default"), {"source": "default"}


def show(url: str | None, auth: Any = None, *, auth_name: str | None = None,
         endpoint_url: str | None = None) -> dict[str, Any]:
    """What ``omefs auth show`` prints, as a dict (its ``--json`` output); secrets masked."""
    from omefs.auth import resolve
    from omefs.errors import AuthError
    from omefs.routing import config_path

    out: dict[str, Any] = {"url": url, "source": None, "profile": None, "route": None,
                           "config_file": str(config_path()), "config": None,
                           "storage_options": None, "resolved": False, "error": None}
    config, where = config_for(url, auth, auth_name)
    out.update(where)
    assert config is not None
    if endpoint_url:
        config = config.replace(settings={"endpoint_url": endpoint_url})
    out["config"] = config.to_dict(redact=True)
    try:
        creds = resolve(config)
    except AuthError as exc:
        out["error"] = redact_text(str(exc))
        return out
    out["resolved"] = True
    out["resolved_auth_type"] = creds.config.auth_type
    out["storage_options"] = redact_settings(_plain(creds.storage_options()))
    return out


def _plain(options: dict[str, Any]) -> dict[str, Any]:
    """Storage options as JSON-able values (an SDK credential object shown by its type)."""
    plain: dict[str, Any] = {}
    for key, value in options.items():
        if isinstance(value, dict):
            plain[key] = _plain(value)
        elif value is None or isinstance(value, (str, int, float, bool, list)):
            plain[key] = value
        else:
            plain[key] = f"<{type(value).__name__}>"
    return plain


def _print_text(r: dict[str, Any]) -> None:
    lines: list[str] = []
    if r["url"]:
        lines.append(f"url: {r['url']}")
    where = {"route": f"route {r['route']!r} of {r['config_file']}", "--auth": "--auth",
             "default": "no route matches: the SDK's default chain"}[r["source"]]
    lines.append(f"profile: {r['profile'] or '-'} ({where})")
    lines.extend(_config_lines(r["config"], ""))
    if r["resolved"]:
        lines.append(f"resolved with: {r['resolved_auth_type']}")
        lines.append("storage options:")
        lines.extend(f"  {k}: {v}" for k, v in sorted(r["storage_options"].items()))
    else:
        lines.append(f"NOT RESOLVED: {r['error']}")
    sys.stdout.write("".join(redact_text(line) + "\n" for line in lines))


def _config_lines(config: dict[str, Any], indent: str) -> list[str]:
    lines = [f"{indent}provider: {config['provider']}", f"{indent}auth type: {config['auth_type']}"]
    if config.get("region"):
        lines.append(f"{indent}region: {config['region']}")
    settings = config.get("settings") or {}
    lines.append(f"{indent}settings:" + ("" if settings else " (none)"))
    lines.extend(f"{indent}  {k}: {v}" for k, v in sorted(settings.items()))
    if config.get("fallback"):
        lines.append(f"{indent}fallback:")
        lines.extend(_config_lines(config["fallback"], indent + "  "))
    return lines
