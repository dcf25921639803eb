"""Tests of sync/team (a package, so test_files.py does not clash with tests/sync/mail/test_files.py)."""
