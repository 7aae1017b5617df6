"""The relay's HTTP edge: routes, request parsing, authentication and the translation
of ``TaskclockError`` to CONTRACT.md's error shape. Nothing below this package knows
about HTTP."""
