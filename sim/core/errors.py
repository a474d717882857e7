"""Errors the user can fix: bad scenario files, flags or control values (exit code 2)."""


class InputError(ValueError):
    """Invalid input; the message names the field, the value and what is allowed."""

    exit_code = 2
