"""Errors the user can act on: each carries one clear sentence for stderr or a dialog."""


class LeadbookError(Exception):
    """Base for every error that is shown to the user as its message."""


class NotFound(LeadbookError):
    """A lead, stage or other record named by the user does not exist."""


class RuleError(LeadbookError):
    """An operation would break a domain rule (e.g. Lost without a reason)."""


class InvalidInput(LeadbookError):
    """User-supplied data (a date, a file, a field) cannot be used."""


class StoreError(LeadbookError):
    """The database cannot be opened or written (newer schema, locked, corrupt)."""
