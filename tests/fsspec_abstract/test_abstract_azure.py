"""fsspec's abstract suite on ``azure://`` (Azurite)."""

from fsspec.tests import abstract

from tests.fsspec_abstract.fixtures import OMEAzureFixtures


class TestOMEAzureCopy(abstract.AbstractCopyTests, OMEAzureFixtures):
    pass


class TestOMEAzureGet(abstract.AbstractGetTests, OMEAzureFixtures):
    pass


class TestOMEAzurePut(abstract.AbstractPutTests, OMEAzureFixtures):
    pass


class TestOMEAzureOpen(abstract.AbstractOpenTests, OMEAzureFixtures):
    pass


class TestOMEAzurePipe(abstract.AbstractPipeTests, OMEAzureFixtures):
    pass
