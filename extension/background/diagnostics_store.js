// Per-site counters shown on the options page: timers mounted, anchors not found (per
// URL pattern, so a changed page layout is found quickly), and content-script
// messages the background dropped. Kept in storage.local across browser restarts.

const DIAGNOSTICS_KEY = 'diagnostics';

export class DiagnosticsStore {
  constructor(store) {
    this.store = store;
    this.queue = Promise.resolve(); // read-modify-write in order, never interleaved
  }

  async read() {
    return (await this.store.get(DIAGNOSTICS_KEY))?.[DIAGNOSTICS_KEY] ?? {};
  }

  update(change) {
    this.queue = this.queue.then(async () => {
      const stored = await this.read();
      await this.store.set({ [DIAGNOSTICS_KEY]: change(stored) });
    }).catch(() => {});
    return this.queue;
  }

  /** Add one content script's report: {site, pattern, misses, mounted} (increments). */
  recordReport({ site, pattern, misses, mounted }) {
    return this.update((stored) => {
      const row = stored.sites?.[site] ?? { misses: 0, mounted: 0, patterns: {} };
      const patterns = { ...row.patterns };
      if (misses) patterns[pattern] = (patterns[pattern] ?? 0) + misses;
      return { ...stored, sites: { ...stored.sites, [site]: { misses: row.misses + misses, mounted: row.mounted + mounted, patterns } } };
    });
  }

  recordDropped(reason) {
    return this.update((stored) => ({ ...stored, dropped: { ...stored.dropped, [reason]: (stored.dropped?.[reason] ?? 0) + 1 } }));
  }
}
