"""Exceptions that jetgnn raises for bad input; the command line turns them into exit status 2."""


class JetgnnError(Exception):
    """An error whose message names the bad value and the fix; shown to the user without a traceback."""


class InvalidInputError(JetgnnError, ValueError):
    """An input file, array or option has the wrong shape, type or value."""


class MissingInputError(JetgnnError, FileNotFoundError):
    """An input file or directory that jetgnn needs does not exist."""
