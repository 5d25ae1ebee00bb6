"""fsspec's abstract suite on ``gs://`` (GCS emulator)."""

from fsspec.tests import abstract

from tests.fsspec_abstract.fixtures import GCSFixtures


class TestGCSCopy(abstract.AbstractCopyTests, GCSFixtures):
    pass


class TestGCSGet(abstract.AbstractGetTests, GCSFixtures):
    pass


class TestGCSPut(abstract.AbstractPutTests, GCSFixtures):
    pass


class TestGCSOpen(abstract.AbstractOpenTests, GCSFixtures):
    pass


class TestGCSPipe(abstract.AbstractPipeTests, GCSFixtures):
    pass
