"""``omefs auth check``: which credentials a URL would use, who they are, and whether they work.

For a URL it says which profile and auth type would be used — the
``--auth`` flag, else the route of the routing config (``OMEFS_CONFIG``)
that matches, else the SDK's default chain — resolves them (following
fallbacks), shows the identity where the provider can say (masked), and
makes one cheap call (``info`` of the URL's object or bucket). Without a
URL, ``--auth`` is resolved and the identity call is the cheap call.

Exit status: 0 when the credentials resolved and the call was accepted
(a missing object still proves the credentials); 1 when they did not
resolve or the store refused them; 2 for a usage or config-file error.
Nothing printed holds a secret.

:func:`add_parser` registers the verb on the ``omefs`` parser and
:func:`run` runs it (``omefs.cli.main`` calls both).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from omefs.cli import auth_show as _auth_show
from omefs.errors import UsageError
from omefs.redact import redact_text

#: fsspec's ``type`` of an object (as opposed to ``directory``).
_OBJECT_TYPE = "file"

__all__ = ["add_parser", "run", "check"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

_DESCRIPTION = """\
Show which profile and auth type a URL would use, who the credentials are
(where the provider can say; masked), and whether a cheap call succeeds.

The credentials are those of --auth, else of the route of the routing config
($OMEFS_CONFIG, default ~/.config/omefs/config.yaml) matching the URL, else of
the SDK's default chain. Exit status: 0 ok, 1 the credentials did not resolve
or were refused, 2 usage or configuration error.
"""

_EXAMPLES = """\
Examples:
  omefs auth check s3://my-bucket/data/
  omefs auth check --json gs://models/llm/weights.safetensors
  omefs auth check --auth prod-azure azure://datasets@myaccount/
  omefs auth check --auth ./aws-role.yaml
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``omefs auth`` (with its ``check`` sub-verb) on ``subparsers``."""
    auth: argparse.ArgumentParser = subparsers.add_parser(
        "auth", help="Check credentials: which are used for a URL, and whether they work",
        description="Commands about credentials.\n\n" + _EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="omefs auth {check,show} [flags] [URL]",
    )
    auth.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                      help="log what omefs does and show tracebacks of errors")
    verbs = auth.add_subparsers(title="Commands", dest="auth_command", metavar="COMMAND")
    check_parser = verbs.add_parser(
        "check", help="which credentials a URL uses, who they are, and whether they work",
        description=_DESCRIPTION, epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="omefs auth check [--auth PROFILE|FILE] [--json] [URL]",
    )
    check_parser.add_argument("url", nargs="?", metavar="URL",
                              help="the URL to check (s3://, gs://, azure://, oci://, github://…)")
    check_parser.add_argument("--auth", metavar="PROFILE|FILE",
                              help="a profile of the routing config, or a YAML/JSON auth config file")
    check_parser.add_argument("--endpoint-url", metavar="URL", help="service endpoint (emulator, private)")
    check_parser.add_argument("-o", "--option", action="append", metavar="KEY=VALUE",
                              help="a storage option of the filesystem (repeatable)")
    check_parser.add_argument("--json", action="store_true", help="print the result as one JSON document")
    check_parser.add_argument("--no-call", action="store_true",
                              help="resolve and show the credentials, but make no call to the store")
    check_parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                              help="log what omefs does and show tracebacks of errors")
    _auth_show.add_parser(verbs)
    return auth


def run(args: argparse.Namespace) -> int:
    """Run ``omefs auth …``; the exit status."""
    if getattr(args, "auth_command", None) == "show":
        return _auth_show.run_show(args)
    if getattr(args, "auth_command", None) != "check":
        sys.stderr.write("usage: omefs auth {check,show} [--auth PROFILE|FILE] [--json] [URL]\n")
        return EXIT_USAGE
    return _run_check(args)


def _run_check(args: argparse.Namespace) -> int:
    from omefs.cli.options import load_auth, parse_option_pairs
    from omefs.errors import ConfigError, InvalidURIError

    try:
        if not args.url and not args.auth:
            raise UsageError("give a URL, or --auth to check credentials without one")
        explicit = load_auth(args.auth)
        options = parse_option_pairs(getattr(args, "option", None))
        if args.endpoint_url:
            options["endpoint_url"] = args.endpoint_url
        result = check(args.url, auth=explicit, auth_name=args.auth, options=options,
                       call=not args.no_call)
    except (UsageError, ConfigError, InvalidURIError) as exc:
        sys.stderr.write(f"omefs: error: {redact_text(str(exc))}\n")
        return EXIT_USAGE
    if args.json:
        from omefs.cli.output import print_json

        print_json(result)
    else:
        _print_text(result)
    return EXIT_OK if result["ok"] else EXIT_FAILED


# -- the check itself -------------------------------------------------------------------
def check(url: str | None, *, auth: Any = None, auth_name: str | None = None,
          options: dict[str, Any] | None = None, call: bool = True) -> dict[str, Any]:
    """What ``omefs auth check`` reports, as a dict (also its ``--json`` output).

    Keys: ``url``, ``source`` (``--auth``, ``route`` or ``default``),
    ``profile``, ``route``, ``config_file``, ``provider``, ``auth_type``,
    ``chain`` (every link's auth type), ``link`` (which link resolved),
    ``region``, ``identity``, ``expired``, ``resolve`` (ok, error,
    failures), ``call`` (ok, operation, result, error, seconds), ``ok``.
    """
    from omefs.errors import AuthError

    options = dict(options or {})
    out: dict[str, Any] = {"url": url, "source": None, "profile": None, "route": None,
                           "config_file": None, "provider": None, "auth_type": None,
                           "chain": [], "link": None, "region": None, "identity": {},
                           "expired": None, "resolve": {"ok": False}, "call": None, "ok": False}
    config, where = _auth_show.config_for(url, auth, auth_name)
    out.update(where)
    assert config is not None
    if options.get("endpoint_url") and "endpoint_url" not in config.settings:
        config = config.replace(settings={"endpoint_url": options["endpoint_url"]})
    out["provider"] = config.provider
    out["chain"] = [f"{link.provider}/{link.auth_type}" for link in config.chain()]

    from omefs.auth import resolve

    creds = None
    started = time.monotonic()
    try:
        creds = resolve(config)
    except AuthError as exc:
        out["resolve"] = {"ok": False, "error": _clean(exc),
                          "failures": [str(f) for f in getattr(exc, "failures", [])],
                          "seconds": round(time.monotonic() - started, 3)}
        out["auth_type"] = config.auth_type
        return out
    out["resolve"] = {"ok": True, "seconds": round(time.monotonic() - started, 3)}
    winner = creds.config
    out["auth_type"] = winner.auth_type
    links = config.chain()
    out["link"] = next((i for i, link in enumerate(links, 1) if link is winner), 1)
    out["region"] = creds.region
    out["identity"] = _identity(creds, call)
    out["expired"] = bool(creds.expired)

    if not call:
        out["ok"] = True
        return out
    if url:
        out["call"] = _call_store(url, config if out["source"] != "default" else None,
                                  out["source"] == "--auth", options)
    else:
        out["call"] = _call_identity(creds)
    out["ok"] = bool(out["call"]["ok"])
    return out


def _clean(exc: BaseException) -> str:
    return redact_text(str(exc))


def _identity(creds: Any, call: bool) -> dict[str, Any]:
    """``creds.identity()`` plus, where the provider can say cheaply, who the service thinks it is."""
    info = _hooks_for(creds).describe_identity(creds, call=call)
    return {k: (redact_text(v) if isinstance(v, str) else v) for k, v in info.items()}


def _hooks_for(creds: Any) -> Any:
    """The facade hooks of the provider ``creds`` belong to."""
    from omefs.providers import get_provider

    return get_provider(creds.provider).facade()


def _first_line(exc: BaseException) -> str:
    from omefs.providers.facade import first_line

    return first_line(exc)


def _call_store(url: str, config: Any, explicit: bool, options: dict[str, Any]) -> dict[str, Any]:
    """``info`` of the URL's object (or bucket), as a user call would make it."""
    from omefs.api import url_to_fs

    started = time.monotonic()
    result: dict[str, Any] = {"operation": "info", "ok": False}
    fs: Any = None
    path = ""
    try:
        kwargs = dict(options, skip_instance_cache=True)
        fs, path = url_to_fs(url, auth=config if explicit else None, **kwargs)
        result["path"] = path
        try:
            info = fs.info(path)
        except FileNotFoundError:
            bucket = _missing_bucket(url, config if explicit else None, kwargs)
            if bucket is not None:
                result.update(ok=False, result="bucket not found",
                              error=f"NotFoundError: the bucket {bucket!r} does not exist at this endpoint")
            else:
                result.update(ok=True, result="not found (the credentials were accepted)")
        else:
            kind = info.get("type", "object")
            result.update(ok=True, result=f"{kind} exists" + (
                f", {info['size']} bytes" if kind == _OBJECT_TYPE and info.get("size") is not None else ""))
    except Exception as exc:
        from omefs.errors import AuthError, PermissionDeniedError

        why: BaseException = exc
        if isinstance(exc, PermissionDeniedError) and fs is not None:
            from omefs.providers import provider_of

            why = provider_of(fs).facade().explain_refusal(fs, path) or exc
        kind = ("refused" if isinstance(why, AuthError) else
                "permission denied" if isinstance(why, (PermissionDeniedError, PermissionError)) else "failed")
        result.update(ok=False, result=kind, error=f"{type(why).__name__}: {_first_line(why)}")
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


def _missing_bucket(url: str, auth: Any, options: dict[str, Any]) -> str | None:
    """The bucket of ``url`` when it does not exist (an absent object alone proves nothing wrong)."""
    import dataclasses

    from omefs.api import url_to_fs
    from omefs.errors import OmefsError
    from omefs.uri import parse_uri

    try:
        uri = parse_uri(url)
    except OmefsError:
        return None
    if not uri.bucket:
        return None
    root = dataclasses.replace(uri, path="")
    try:
        fs, path = url_to_fs(str(root), auth=auth, **options)
        fs.info(path)
    except FileNotFoundError:
        return uri.bucket
    except Exception:  # noqa: BLE001 - the object's answer stands
        return None
    return None


def _call_identity(creds: Any) -> dict[str, Any]:
    """Without a URL: the provider's identity call (STS, a token) is the cheap call."""
    started = time.monotonic()
    result: dict[str, Any] = {"ok": False}
    try:
        _hooks_for(creds).check_credentials(creds, result)
        result.update(ok=True, result="ok")
    except Exception as exc:
        result.update(ok=False, result="failed", error=f"{type(exc).__name__}: {_first_line(exc)}")
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


# -- text output ---------------------------------------------------------------------------
def _print_text(r: dict[str, Any]) -> None:
    lines: list[tuple[str, str]] = []
    if r["url"]:
        lines.append(("url", r["url"]))
    if r["source"] == "route":
        lines.append(("profile", f"{r['profile']} (route {r['route']!r} in {r['config_file']})"))
    elif r["source"] == "--auth":
        lines.append(("profile", f"{r['profile']} (--auth, {r['config_file']})" if r["profile"]
                      else "(--auth file)"))
    else:
        lines.append(("profile", "(none: no route matches; the SDK's default chain)"))
    auth_type = f"{r['provider']}/{r['auth_type']}"
    if len(r["chain"]) > 1:
        auth_type += f" (link {r['link'] or '?'} of {len(r['chain'])}: {' -> '.join(r['chain'])})"
    lines.append(("auth type", auth_type))
    if r["region"]:
        lines.append(("region", str(r["region"])))
    if not r["resolve"]["ok"]:
        lines.append(("credentials", "NOT RESOLVED: " + r["resolve"].get("error", "")))
    else:
        identity = {k: v for k, v in r["identity"].items() if k not in ("provider", "auth_type")}
        lines.append(("identity", ", ".join(f"{k}={v}" for k, v in identity.items()) or "-"))
        if r["expired"]:
            lines.append(("expired", "yes (will be refreshed before use)"))
    call = r.get("call")
    if call:
        status = "ok" if call["ok"] else "FAILED"
        what = call.get("operation", "")
        if call.get("path"):
            what += f" {call['path']}"
        text = f"{status}: {what}: {call.get('result', '')}"
        if call.get("error"):
            text += f" ({call['error']})"
        lines.append(("check", f"{text} [{call['seconds']:.2f} s]"))
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        sys.stdout.write(redact_text(f"{key + ':':<{width + 1}} {value}") + "\n")
    sys.stdout.flush()
