"""Authentication: password hashing (``passwords``, owns ``cryptography``'s KDF) and
access tokens (``tokens``, owns ``jwt``). The HTTP edge turns a bearer token into an
``Actor``; every role decision is made in ``bridge.core.roles``."""
