"""GitHub Actions artifacts as read-only storage under ``github://OWNER/REPO/actions/…``.

CI pipelines leave trained models, evaluation tables and build outputs as
Actions artifacts; this subpackage lets the ``github://`` filesystem list
them, read an artifact's zip and the files inside it by ranged requests,
and so copy them anywhere omefs copies. Modules, one job each:

* :mod:`.paths` — the ``OWNER/REPO/actions/…`` path grammar;
* :mod:`.rest` — GitHub's artifact endpoints (listings, by id, delete, the
  ``/zip`` redirect to a signed URL);
* :mod:`.catalog` — which artifact a name means (the newest that has not
  expired) and the listing entries;
* :mod:`.remote` — ranged reads of the signed URL, renewed when it expires;
* :mod:`.zipindex` — the zip's central directory and each member's bytes,
  CRC-32 checked;
* :mod:`.files` — the file objects ``open`` returns;
* :mod:`.access` — what the filesystem does with artifact paths;
* :mod:`.routing` — how the filesystem tells artifact paths from release paths.
"""

from __future__ import annotations

__all__: list[str] = []
