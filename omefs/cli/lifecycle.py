"""``omefs lifecycle get|set|delete``: a bucket's lifecycle rules, provider-neutral.

* ``omefs lifecycle get URL`` prints the rules as YAML (``--json``: JSON);
  rules the neutral form cannot express are shown with ``read_only: true``
  and their native document;
* ``omefs lifecycle set URL FILE`` replaces the rules by those of a YAML or
  JSON file (``-``: standard input), keeping the bucket's native rules;
  ``--dry-run`` prints the native document that would be sent, as JSON;
* ``omefs lifecycle delete URL`` removes every rule.

A rule the provider cannot express is refused before anything is sent
(exit status 2, the message names the rule and what the provider supports).
:func:`add_parser` registers the verb; :func:`run` runs it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_parser", "run"]

_EXAMPLES = """\
Examples:
  omefs lifecycle get s3://models
  omefs lifecycle set gs://backup rules.yaml --dry-run
  omefs lifecycle set oci://logs@mynamespace rules.json
  omefs lifecycle delete azure://models@myaccount --auth prod-azure
"""

_DESCRIPTION = """\
Read, replace or remove a bucket's lifecycle rules, in one neutral form for
S3, GCS, Azure (management policy) and OCI (object lifecycle policy):

  rules:
    - id: coolOldCheckpoints
      prefix: checkpoints/
      transitions: [{days: 30, storage_class: INFREQUENT}, {days: 180, storage_class: ARCHIVE}]
      expire_days: 365
      noncurrent_expire_days: 30
      abort_incomplete_multipart_days: 7

Storage classes: STANDARD, INFREQUENT, COLD, ARCHIVE, or the provider's own names.
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``omefs lifecycle`` (``get``, ``set``, ``delete``) on ``subparsers``."""
    top: argparse.ArgumentParser = subparsers.add_parser(
        "lifecycle", help="Get, set or delete a bucket's lifecycle rules",
        description=_DESCRIPTION + "\n" + _EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="omefs lifecycle {get,set,delete} [flags] URL [FILE]",
    )
    top.set_defaults(_handler="omefs.cli.lifecycle:run")
    verbs = top.add_subparsers(title="Commands", dest="lifecycle_command", metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--auth", metavar="PROFILE|FILE",
                        help="a profile of the routing config, or a YAML/JSON auth config file")
    common.add_argument("--endpoint-url", metavar="URL", help="service endpoint (emulator, private)")
    common.add_argument("-o", "--option", action="append", metavar="KEY=VALUE",
                        help="a storage option of the filesystem (repeatable)")
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="log what omefs does and show tracebacks of errors")
    url_help = "the bucket: s3://BUCKET, gs://BUCKET, azure://CONTAINER@ACCOUNT, oci://BUCKET@NAMESPACE"
    get = verbs.add_parser("get", parents=[common], help="print the bucket's rules",
                           usage="omefs lifecycle get [--json] URL")
    get.add_argument("url", metavar="URL", help=url_help)
    get.add_argument("--json", action="store_true", help="print JSON instead of YAML")
    put = verbs.add_parser("set", parents=[common], help="replace the rules by a file's",
                           usage="omefs lifecycle set [--dry-run] URL FILE")
    put.add_argument("url", metavar="URL", help=url_help)
    put.add_argument("file", metavar="FILE", help="YAML or JSON rules ({rules: [...]}); - for stdin")
    put.add_argument("--dry-run", action="store_true",
                     help="print the native document that would be sent; change nothing")
    delete = verbs.add_parser("delete", parents=[common], help="remove every rule",
                              usage="omefs lifecycle delete URL")
    delete.add_argument("url", metavar="URL", help=url_help)
    return top


def run(args: argparse.Namespace) -> int:
    """Run ``omefs lifecycle …``; the exit status (errors reach ``omefs.cli.main``)."""
    import omefs.lifecycle as lifecycle
    from omefs.cli.options import side_settings
    from omefs.cli.output import print_json

    command = getattr(args, "lifecycle_command", None)
    if command is None:
        sys.stderr.write("usage: omefs lifecycle {get,set,delete} [flags] URL [FILE]\n")
        return 2
    auth, options = side_settings(args, None)
    if command == "get":
        rules = lifecycle.get(args.url, auth=auth, **options)
        if args.json:
            print_json(lifecycle.as_data(rules))
        else:
            sys.stdout.write(lifecycle.dumps(rules))
        return 0
    if command == "set":
        wanted = lifecycle.loads(sys.stdin.read(), source="standard input") if args.file == "-" \
            else lifecycle.load(args.file)
        document = lifecycle.set(args.url, wanted, dry_run=args.dry_run, auth=auth, **options)
        if args.dry_run:
            print_json(document)
        else:
            sys.stdout.write(f"set {len([r for r in wanted if not r.read_only])} lifecycle rule(s) "
                             f"on {args.url}\n")
        return 0
    lifecycle.delete(args.url, auth=auth, **options)
    sys.stdout.write(f"deleted the lifecycle rules of {args.url}\n")
    return 0
