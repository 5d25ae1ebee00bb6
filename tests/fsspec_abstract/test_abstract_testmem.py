"""fsspec's abstract suite on ``testmem://``, the example third-party provider."""

from fsspec.tests import abstract

from tests.fsspec_abstract.fixtures import ExampleProviderFixtures


class TestTestmemCopy(abstract.AbstractCopyTests, ExampleProviderFixtures):
    pass


class TestTestmemGet(abstract.AbstractGetTests, ExampleProviderFixtures):
    pass


class TestTestmemPut(abstract.AbstractPutTests, ExampleProviderFixtures):
    pass


class TestTestmemOpen(abstract.AbstractOpenTests, ExampleProviderFixtures):
    pass


class TestTestmemPipe(abstract.AbstractPipeTests, ExampleProviderFixtures):
    pass
