"""fsspec's abstract suite on ``github://`` releases (the fake GitHub API): the parts that apply.

Only ``open`` and ``pipe``: a release holds assets, not folders (see
:class:`~tests.fsspec_abstract.fixtures.GitHubFixtures`).
"""

from fsspec.tests import abstract

from tests.fsspec_abstract.fixtures import GitHubFixtures


class TestGitHubOpen(abstract.AbstractOpenTests, GitHubFixtures):
    pass


class TestGitHubPipe(abstract.AbstractPipeTests, GitHubFixtures):
    pass
