"""taskclock benchmarks (issue 8): ``python -m bench [--quick] [--only NAME ...]``.

Each benchmark drives the real relay (``taskclock relay serve`` in its own process,
pinned to one core) with load generators in other processes (pinned to the other
core), runs the same load against a bare baseline server in the same run, and
reports percentiles or rates beside the issue's goals. Nothing here fails a build:
missed goals are printed as MISSED and written to ``bench/results.md``.

Modules: ``stats`` (percentiles, result rows, the table), ``machine`` (host facts,
core pinning, file limits), ``relay`` (seeding the database, minting tokens, running
the relay), ``baseline`` (the bare websockets and aiohttp servers), ``sockets`` (the
websocket load processes), ``commands`` (the REST load), ``scenarios`` (one function
per benchmark), ``inpage`` (benchmark 7 in Chromium), ``report`` (results.md).
"""
