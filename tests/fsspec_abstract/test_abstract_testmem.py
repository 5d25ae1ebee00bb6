"""fsspec's abstract suite on ``testmem://``, the example third-party provider."""

from fsspec.tests import abstract

from tests.fsspec_abstract.fixtures import ExampleProviderFixtures
from tests.third_party import requires_testmem

pytestmark = requires_testmem


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
