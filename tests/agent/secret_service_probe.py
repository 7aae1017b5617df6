"""Run inside a D-Bus session with gnome-keyring: exercise agent.credentials for real.

``python secret_service_probe.py write|read DIR`` prints one JSON line. Kept out of the
pytest process so only this part runs inside the throw-away D-Bus session.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from agent.credentials import Credentials, StoredLogin
from agent.outbox import Command, Outbox
from agent.sealing import Sealer


def main(step: str, folder: Path) -> dict[str, object]:
    credentials = Credentials.open()
    report: dict[str, object] = {"backend": credentials.backend_name}
    outbox = Outbox.open(folder / "outbox.db", Sealer(credentials.outbox_key()))
    if step == "write":
        credentials.save_login(StoredLogin("http://relay.test", "acme", "ann", "api_token", "tc_real_secret"))
        outbox.append(Command("k-1", "acct", "entries.create", "POST", "/entries",
                              {"task_id": 1, "notes": "kept in the real keyring's key"}, 1.0))
    else:
        login = credentials.load_login()
        report["login"] = [login.relay, login.tenant, login.username, login.kind, login.secret]
        report["notes"] = [command.body["notes"] for command in outbox.pending("acct") if command.body]
        credentials.forget_login()
        try:
            credentials.load_login()
            report["forgotten"] = False
        except Exception as exc:  # noqa: BLE001 - report the class to the test
            report["forgotten"] = type(exc).__name__
    outbox.close()
    return report


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], Path(sys.argv[2]))))
