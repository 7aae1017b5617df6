"""A tiny extension that proves the harness itself works, before the real build exists.

Its content script marks every fixture page it runs on, so the smoke test can tell that
the host name, the certificate and the extension's match patterns all line up.
"""

from __future__ import annotations

import json
from pathlib import Path

MANIFEST = {
    "manifest_version": 3,
    "name": "taskclock harness stub",
    "version": "0.0.1",
    "host_permissions": [
        "https://app.asana.com/*", "https://*.atlassian.net/*", "https://trello.com/*",
    ],
    "content_scripts": [{
        "matches": [
            "https://app.asana.com/*", "https://*.atlassian.net/*", "https://trello.com/*",
        ],
        "js": ["content.js"],
        "run_at": "document_idle",
    }],
    "browser_specific_settings": {
        "gecko": {"id": "taskclock@taskclock.dev", "strict_min_version": "142.0"},
    },
}

# A widget made the way the real ones are (an open shadow root, from the content
# script's isolated world), so the smoke test proves tests can reach and click into it.
CONTENT = """
document.documentElement.setAttribute("data-harness-stub", location.host);
const host = document.createElement("harness-stub");
host.style.cssText = "position: fixed; right: 8px; bottom: 8px; z-index: 2147483647";
const button = document.createElement("button");
button.dataset.action = "count";
button.textContent = "stub";
button.addEventListener("click", () => {
  host.dataset.clicks = String(Number(host.dataset.clicks || 0) + 1);
});
host.attachShadow({mode: "open"}).append(button);
document.body.append(host);
"""


def write_stub_extension(directory: Path) -> Path:
    """Write the stub into *directory* (created) and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.json").write_text(json.dumps(MANIFEST, indent=2))
    (directory / "content.js").write_text(CONTENT)
    return directory
