"""The abstract-suite tests that fail on omefs's parent libraries, on the same servers.

Measured with :mod:`tests.fsspec_abstract.parent_libraries` (s3fs, gcsfs, adlfs,
ocifs on moto, the GCS emulator, Azurite and the fake OCI). omefs keeps its
parents' behaviour for ``s3://``, ``gs://`` and ``az://``/``azure://``, so these
are expected to fail there too and are marked ``xfail(strict=True)``: a test
that starts passing is reported, so the list shrinks when a parent (or omefs)
fixes one. ``oci://`` is omefs's own code and has no entry: it passes them all.
"""

from __future__ import annotations

S3_REASON = ("s3fs does not refuse open(path, 'xb') of an existing object (the test expects "
             "FileExistsError from open() itself)")
S3 = frozenset({
    'Open::test_open_exclusive',
})

GCS_REASON = ("gcsfs does not refuse open(path, 'xb') nor pipe_file(mode='create') of an existing "
              "object on the GCS emulator")
GCS = frozenset({
    'Open::test_open_exclusive',
    'Pipe::test_pipe_exclusive',
})

AZURE_REASON = ("adlfs's own expand_path does not follow fsspec's rules for globs and folders "
                "(copy and get of globs and folders), and adlfs does not refuse open(path, 'xb') "
                "of an existing blob")
AZURE = frozenset({
    'Copy::test_copy_directory_to_existing_directory',
    'Copy::test_copy_directory_to_new_directory',
    'Copy::test_copy_directory_without_files_with_same_name_prefix',
    'Copy::test_copy_glob_edge_cases[**-False-2-expected15]',
    'Copy::test_copy_glob_edge_cases[**-False-None-expected11]',
    'Copy::test_copy_glob_edge_cases[**-True-1-expected13]',
    'Copy::test_copy_glob_edge_cases[**-True-2-expected14]',
    'Copy::test_copy_glob_edge_cases[**-True-None-expected12]',
    'Copy::test_copy_glob_edge_cases[**/*1-True-1-expected18]',
    'Copy::test_copy_glob_edge_cases[**/*1-True-2-expected19]',
    'Copy::test_copy_glob_edge_cases[**/*1-True-None-expected17]',
    'Copy::test_copy_glob_edge_cases[**/subdir0-True-None-expected22]',
    'Copy::test_copy_glob_edge_cases[**/subdir0/nested*-False-2-expected23]',
    'Copy::test_copy_glob_edge_cases[**/subdir0/nested*-True-2-expected24]',
    'Copy::test_copy_glob_edge_cases[*-False-None-expected4]',
    'Copy::test_copy_glob_edge_cases[*-True-1-expected6]',
    'Copy::test_copy_glob_edge_cases[*-True-2-expected7]',
    'Copy::test_copy_glob_edge_cases[*-True-None-expected5]',
    'Copy::test_copy_glob_edge_cases[*1-True-2-expected10]',
    'Copy::test_copy_glob_edge_cases[*1-True-None-expected9]',
    'Copy::test_copy_glob_edge_cases[subdir[0-1]-True-None-expected29]',
    'Copy::test_copy_glob_edge_cases[subdir[0-1]/*fil[e]*-False-None-expected30]',
    'Copy::test_copy_glob_edge_cases[subdir[0-1]/*fil[e]*-True-None-expected31]',
    'Copy::test_copy_glob_edge_cases[subdir[1-2]-True-2-expected27]',
    'Copy::test_copy_glob_edge_cases[subdir[1-2]-True-None-expected26]',
    'Copy::test_copy_glob_to_existing_directory',
    'Copy::test_copy_glob_to_new_directory',
    'Get::test_get_directory_to_existing_directory',
    'Get::test_get_directory_to_new_directory',
    'Get::test_get_directory_without_files_with_same_name_prefix',
    'Get::test_get_glob_edge_cases[**-False-2-expected15]',
    'Get::test_get_glob_edge_cases[**-False-None-expected11]',
    'Get::test_get_glob_edge_cases[**-True-1-expected13]',
    'Get::test_get_glob_edge_cases[**-True-2-expected14]',
    'Get::test_get_glob_edge_cases[**-True-None-expected12]',
    'Get::test_get_glob_edge_cases[**/*1-True-1-expected18]',
    'Get::test_get_glob_edge_cases[**/*1-True-2-expected19]',
    'Get::test_get_glob_edge_cases[**/*1-True-None-expected17]',
    'Get::test_get_glob_edge_cases[**/subdir0-True-None-expected22]',
    'Get::test_get_glob_edge_cases[**/subdir0/nested*-False-2-expected23]',
    'Get::test_get_glob_edge_cases[**/subdir0/nested*-True-2-expected24]',
    'Get::test_get_glob_edge_cases[*-False-None-expected4]',
    'Get::test_get_glob_edge_cases[*-True-1-expected6]',
    'Get::test_get_glob_edge_cases[*-True-2-expected7]',
    'Get::test_get_glob_edge_cases[*-True-None-expected5]',
    'Get::test_get_glob_edge_cases[*1-True-2-expected10]',
    'Get::test_get_glob_edge_cases[*1-True-None-expected9]',
    'Get::test_get_glob_edge_cases[subdir[0-1]-True-None-expected29]',
    'Get::test_get_glob_edge_cases[subdir[0-1]/*fil[e]*-False-None-expected30]',
    'Get::test_get_glob_edge_cases[subdir[0-1]/*fil[e]*-True-None-expected31]',
    'Get::test_get_glob_edge_cases[subdir[1-2]-True-2-expected27]',
    'Get::test_get_glob_edge_cases[subdir[1-2]-True-None-expected26]',
    'Get::test_get_glob_to_existing_directory',
    'Get::test_get_glob_to_new_directory',
    'Open::test_open_exclusive',
})
