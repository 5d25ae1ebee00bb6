"""omefs's fsspec filesystems, one module per provider.

Each is registered with fsspec through the ``fsspec.specs`` entry points in
``pyproject.toml``, so ``fsspec.open("azure://…")``, pandas and pyarrow
reach them without ``import omefs``. Importing a provider's module needs
that provider's extra (``omefs[s3]``…); this package imports none of them.
"""
