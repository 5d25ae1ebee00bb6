"""fsspec's abstract suite on ``oci://`` (the fake OCI Object Storage)."""

from fsspec.tests import abstract

from tests.fsspec_abstract.fixtures import OCIFixtures


class TestOCICopy(abstract.AbstractCopyTests, OCIFixtures):
    pass


class TestOCIGet(abstract.AbstractGetTests, OCIFixtures):
    pass


class TestOCIPut(abstract.AbstractPutTests, OCIFixtures):
    pass


class TestOCIOpen(abstract.AbstractOpenTests, OCIFixtures):
    pass


class TestOCIPipe(abstract.AbstractPipeTests, OCIFixtures):
    pass
