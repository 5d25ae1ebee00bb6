"""AWS auth types, resolved through botocore and handed to s3fs as an aiobotocore session.

Auth types: ``access_key``, ``profile``, ``assume_role``, ``web_identity``,
``instance_profile``, ``ecs_task_role``, ``process``, ``anonymous``,
``default`` (see :mod:`omefs.providers.aws.auth.resolvers` for each one's settings
and environment variables). Every type returns :class:`AWSCredentials`,
whose ``storage_options()`` give s3fs a ``session=`` whose credentials
botocore refreshes itself — never a frozen key that expires mid-job.
"""

from omefs.providers.aws.auth import resolvers  # noqa: F401  (registers the auth types)
from omefs.providers.aws.auth.common import region_of, setting
from omefs.providers.aws.auth.credentials import (
    AWSCredentials,
    CredentialSource,
    SigV4Auth,
    mask_key_id,
)

__all__ = ["AWSCredentials", "CredentialSource", "SigV4Auth", "mask_key_id", "region_of", "setting"]
