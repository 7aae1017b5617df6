"""The domain core: standard library only, no I/O, never reads the clock.

Both the relay and the agent import it. Time is always passed in as an aware
``datetime``; nothing here touches a file, a socket, a database or ``datetime.now``.
A test (tests/bridge/core/test_purity.py) parses these imports to keep it so.
"""
