"""Exit codes, defined once for every command."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # everything passed
    FAILED = 1  # ran, and something failed (a check, a validation, a verification)
    ERROR = 2  # could not run (bad input, unreadable source, broken configuration)
