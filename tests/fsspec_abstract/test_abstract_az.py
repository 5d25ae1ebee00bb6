"""fsspec's abstract suite on ``az://`` (Azurite)."""

from fsspec.tests import abstract

from tests.fsspec_abstract.fixtures import AzureFixtures


class TestAzureCopy(abstract.AbstractCopyTests, AzureFixtures):
    pass


class TestAzureGet(abstract.AbstractGetTests, AzureFixtures):
    pass


class TestAzurePut(abstract.AbstractPutTests, AzureFixtures):
    pass


class TestAzureOpen(abstract.AbstractOpenTests, AzureFixtures):
    pass


class TestAzurePipe(abstract.AbstractPipeTests, AzureFixtures):
    pass
