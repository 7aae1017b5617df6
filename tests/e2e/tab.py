"""What a test does with a browser tab, the same in Chromium and Firefox.

Tests write JavaScript *expressions* (``await`` allowed) and get JSON-able values back;
clicks and typing are real input events at the element's on-screen position, so a
widget sees exactly what a user's click would produce (focus, pointer events, bubbling).
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from typing import Any


class WaitTimeout(AssertionError):
    """A condition did not become true in time; says which and what it last saw."""


def shadow(host_css: str, inner_css: str) -> str:
    """A JS expression for *inner_css* inside the open shadow root of *host_css*."""
    return (
        f"document.querySelector({json.dumps(host_css)})"
        f"?.shadowRoot?.querySelector({json.dumps(inner_css)})"
    )


def timer_css(source: str, external_id: str) -> str:
    """The CSS selector of the ``<taskclock-timer>`` for one task (CONTRACT.md)."""
    return (
        f'taskclock-timer[data-source="{source}"]'
        f'[data-external-id="{external_id}"]'
    )


class Tab(ABC):
    """One browser tab. Made by a browser fixture; never constructed by tests."""

    @abstractmethod
    def goto(self, url: str) -> None:
        """Load *url* and wait for its ``load`` event."""

    @abstractmethod
    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JS *expression* in the page's main world."""

    @abstractmethod
    def mouse_click(self, x: float, y: float) -> None:
        """A real left click at viewport coordinates (CSS pixels)."""

    @abstractmethod
    def type_text(self, text: str) -> None:
        """Type *text* key by key into whatever has focus."""

    @abstractmethod
    def press(self, key: str) -> None:
        """Press one named key: ``Enter``, ``Tab``, ``Escape`` or ``Backspace``."""

    @abstractmethod
    def close(self) -> None:
        """Close the tab."""

    def url(self) -> str:
        """The tab's current address (after any pushState)."""
        return self.evaluate("location.href")

    def wait_for(self, expression: str, timeout: float = 5.0, interval: float = 0.05) -> Any:
        """Poll a JS *expression* until truthy; return its value or raise WaitTimeout."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while True:
            try:
                last = self.evaluate(expression)
                if last:
                    return last
            except Exception as error:  # noqa: BLE001 (a navigation may be in flight)
                last = error
            if time.monotonic() >= deadline:
                raise WaitTimeout(f"not true after {timeout}s: {expression!r} (last: {last!r})")
            time.sleep(interval)

    def click(self, element: str, timeout: float = 5.0) -> None:
        """Click the element a JS expression names, once it is visible, at its centre."""
        box = self.wait_for(
            f"""(() => {{
                const el = {element};
                if (!el) return null;
                el.scrollIntoView({{block: "center", inline: "center"}});
                const r = el.getBoundingClientRect();
                if (r.width === 0 || r.height === 0) return null;
                return {{x: r.left + r.width / 2, y: r.top + r.height / 2}};
            }})()""",
            timeout,
        )
        self.mouse_click(box["x"], box["y"])

    def fill(self, element: str, text: str) -> None:
        """Click into a field, select what it holds and type *text* over it."""
        self.click(element)
        self.evaluate(f"(() => {{ const el = {element}; el.focus(); el.select?.(); }})()")
        if self.evaluate(f"({element}).value") and not text:
            self.press("Backspace")
        self.type_text(text)

    def attribute(self, element: str, name: str) -> str | None:
        """One attribute of the element a JS expression names (None if either is absent)."""
        return self.evaluate(f"({element})?.getAttribute({json.dumps(name)}) ?? null")
