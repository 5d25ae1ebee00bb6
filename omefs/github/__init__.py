"""Helpers of the GitHub Releases filesystem (:mod:`omefs.fs.github`).

One job per module:

* :mod:`omefs.github.paths` — the ``OWNER/REPO/TAG/ASSET`` path grammar;
* :mod:`omefs.github.errors` — the errors only GitHub raises (rate limits,
  the 2 GiB asset limit);
* :mod:`omefs.github.ratelimit` — how rate-limit answers are told apart,
  waited out or reported;
* :mod:`omefs.github.client` — the REST calls (metadata through PyGithub's
  requester, bytes through ranged HTTP requests);
* :mod:`omefs.github.files` — the file objects ``open("rb")`` and
  ``open("wb")`` return;
* :mod:`omefs.github.contents` — fsspec's repository-contents filesystem,
  pointed at any GitHub API endpoint.
"""
