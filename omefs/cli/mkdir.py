"""``omefs mkdir URL`` (alias ``mb``): make a bucket, a container or a folder.

As rclone's ``mkdir`` and ``aws s3 mb``: ``omefs mkdir s3://new-bucket``
creates the bucket; a URL with a path below an existing bucket succeeds
without writing anything (object stores have no folders: a folder exists
once an object is under it); a local path is created with its parents.
Making what exists already is not an error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from omefs.cli.options import is_remote, open_fs, side_settings

__all__ = ["add_parser", "cmd_mkdir"]


def add_parser(subparsers: Any, add_verb: Callable[..., argparse.ArgumentParser],
               parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register ``omefs mkdir`` (and its alias ``mb``) with ``add_verb`` of the parser module."""
    parser = add_verb(
        subparsers, "mkdir",
        summary="Make a bucket, a container or a folder",
        description=(
            "Creates the bucket (S3, GCS, OCI) or container (Azure) the URL names.\n"
            "Below an existing bucket nothing is written: object stores have no\n"
            "folders, and a folder exists once an object is under it. Making what\n"
            "exists is not an error. 'mb' is the same command."
        ),
        usage="omefs mkdir [flags] URL",
        examples="  omefs mkdir s3://my-new-bucket\n  omefs mb gs://my-new-bucket\n"
                 "  omefs mkdir ./local/folder\n",
        handler="omefs.cli.mkdir:cmd_mkdir",
        parents=parents,
    )
    parser.add_argument("url", metavar="URL", help="the bucket, container or folder to make")
    subparsers.choices["mb"] = parser  # 'omefs mb': the same parser, not listed twice
    return parser


def cmd_mkdir(args: argparse.Namespace) -> int:
    auth, options = side_settings(args, None)
    fs, path = open_fs(args.url, auth, options)
    root = str(path).rstrip("/")
    existed = bool(root) and fs.exists(root)
    if not existed:
        if is_remote(args.url):
            fs.mkdir(root, create_parents=True)  # a bucket is made by mkdir (makedirs may not)
        else:
            fs.makedirs(root, exist_ok=True)
    sys.stdout.write(f"{'exists' if existed else 'made'}: {args.url}\n")
    return 0
