// When the content runtime scans the page. Throttled, not debounced: the first request
// after a quiet spell scans at once (a request comes from the MutationObserver's
// callback, so a task pane the site's router inserts has its timer before the next
// frame); requests that follow within the gap share one trailing scan, so a page that
// never stops mutating pays for at most one scan per gap. A debounce would both delay
// every insertion by its full wait and starve under such a page (no scan until it
// calms down).

export const SCAN_GAP_MS = 150;
// While the task pane's timer has no place (the URL just changed, a re-render took the
// timer or its anchor away, the pane is still rendering), the wait is what the user
// sees: the gap shrinks to about one frame.
export const WAITING_SCAN_GAP_MS = 16;

export class ScanSchedule {
  /**
   * @param win the page's window (timers, performance clock)
   * @param scan () => void, the scan itself; it calls `ran()` first thing
   * @param waiting () => boolean, cheap: is a widget the user is looking for placeless?
   */
  constructor(win, scan, waiting) {
    this.win = win;
    this.scan = scan;
    this.waiting = waiting;
    this.timer = null;
    this.dueAt = Infinity;
    this.lastAt = -Infinity;
    // Monotonic: a wall-clock jump must not hold the next scan back.
    this.clock = () => win.performance?.now?.() ?? Date.now();
  }

  /** Something changed: scan now, or once when the gap since the last scan is over. */
  request() {
    const due = this.lastAt + (this.waiting() ? WAITING_SCAN_GAP_MS : SCAN_GAP_MS);
    const wait = due - this.clock();
    if (wait <= 0) {
      this.scan();
      return;
    }
    if (this.dueAt <= due) return; // a trailing scan at or before then is queued
    this.win.clearTimeout(this.timer);
    this.dueAt = due;
    this.timer = this.win.setTimeout(() => this.scan(), wait);
  }

  /** A scan is starting, whoever asked for it: it covers every change seen so far. */
  ran() {
    this.cancel();
    this.lastAt = this.clock();
  }

  cancel() {
    this.win.clearTimeout(this.timer);
    this.timer = null;
    this.dueAt = Infinity;
  }
}
