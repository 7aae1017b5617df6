// The content script's loop for one page: ask the site adapter for plain task data,
// resolve tasks through the background, mount and re-mount widgets (one throttled
// MutationObserver, see scan_schedule.js), follow single-page navigation, float a timer
// whose anchor is missing and count the miss, and render every widget once a second
// from the state the background pushes.

import { attendanceSeconds, initialState, taskTodaySeconds, timerWidgetState } from '../lib/state.js';
import { TimerWidget, TIMER_TAG } from '../widgets/timer_widget.js';
import { AttendanceWidget, ATTENDANCE_TAG } from '../widgets/attendance_widget.js';
import { PanelWidget } from '../widgets/panel_widget.js';
import { ensureFloating, ensurePlaced } from './placements.js';
import { ScanSchedule } from './scan_schedule.js';

export const ANCHOR_GRACE_MS = 1_500; // a task pane renders in steps: wait before calling it a miss
const TICK_MS = 1_000;
const REPORT_MS = 2_000;

export class ContentRuntime {
  /** @param deps.window, deps.site (adapter), deps.link (BackgroundLink-like: request, onState) */
  constructor({ window: win, site, link, now = () => Date.now() }) {
    this.win = win;
    this.doc = win.document;
    this.site = site;
    this.link = link;
    this.now = now;
    this.state = initialState();
    this.views = new Map(); // externalId -> task view from tasks/resolve
    this.resolvedKeys = new Map(); // externalId -> what we last resolved (re-resolve on rename)
    this.detail = null; // {externalId, widget, task, missSince, missCounted}
    this.listWidgets = new Map(); // anchor element -> TimerWidget
    this.attendance = null;
    this.panel = null;
    this.lastUrl = null;
    this.pendingReport = { misses: 0, mounted: 0, pattern: null };
    this.schedule = new ScanSchedule(win, () => this.scan(), () => this.detailWaiting());
  }

  start() {
    this.observer = new this.win.MutationObserver((records) => {
      if (records.some((record) => !isOurs(record))) this.scheduleScan();
    });
    this.observer.observe(this.doc.documentElement, { childList: true, subtree: true, characterData: true });
    // Page scripts' pushState calls are invisible from the isolated world: popstate,
    // the Navigation API where present, and the URL check in every tick cover them.
    this.win.addEventListener('popstate', () => this.scheduleScan());
    this.win.addEventListener('hashchange', () => this.scheduleScan());
    this.win.navigation?.addEventListener?.('navigatesuccess', () => this.scheduleScan());
    this.tick = this.win.setInterval(() => this.onTick(), TICK_MS);
    this.reporter = this.win.setInterval(() => this.flushReport(), REPORT_MS);
    this.scan();
  }

  stop() {
    this.observer?.disconnect();
    this.win.clearInterval(this.tick);
    this.win.clearInterval(this.reporter);
    this.schedule.cancel();
    this.win.clearTimeout(this.graceTimer);
  }

  setState(state) {
    const before = this.state;
    this.state = { ...initialState(), ...state };
    if (before.signedIn !== this.state.signedIn || before.user?.id !== this.state.user?.id) {
      // Signed in (or as someone else): task views belong to a login; resolve afresh,
      // at once: a task not resolved before the relay goes down cannot be started.
      this.views.clear();
      this.resolvedKeys.clear();
      if (this.observer) this.scan();
    }
    for (const view of Object.values(this.state.tasks ?? {})) {
      for (const [externalId, known] of this.views) if (String(known.task_id) === String(view.task_id)) this.views.set(externalId, { ...known, ...view });
    }
    this.render();
  }

  scheduleScan() {
    this.schedule.request();
  }

  /** The URL changed since the last scan, or the task pane's timer lost its place. */
  detailWaiting() {
    if (this.win.location.href !== this.lastUrl) return true;
    const detail = this.detail;
    // A floating timer has had its grace: a page without the anchor must not turn
    // every one of its mutations into a scan.
    if (!detail || detail.floating) return false;
    return !detail.widget.element.isConnected || !detail.anchorElement?.isConnected;
  }

  onTick() {
    if (this.win.location.href !== this.lastUrl) this.scan();
    else if (this.detail && this.detail.floating) this.scan(); // the anchor may have arrived
    this.render();
  }

  // ---- mounting ----

  scan() {
    this.schedule.ran();
    const location = this.win.location;
    if (location.href !== this.lastUrl) {
      this.lastUrl = location.href;
      if (this.detail) this.detail.missSince = null;
    }
    const toResolve = [];
    this.scanDetail(location, toResolve);
    this.scanList(location, toResolve);
    this.scanAvatar();
    if (toResolve.length) this.resolve(toResolve);
    this.render();
  }

  scanDetail(location, toResolve) {
    const externalId = safe(() => this.site.urlTaskId(location));
    if (!externalId) {
      this.detail?.widget.element.remove();
      this.detail = null;
      return;
    }
    // A pane still showing the previous task (mid-navigation) is not this task's data:
    // resolving it would rename this task after the other one.
    const read = safe(() => this.site.detailTask(this.doc, location));
    const pageTask = read && String(read.taskId) === String(externalId) ? read : null;
    const task = pageTask ?? fallbackTask(this.site.name, externalId, this.doc, location);
    if (!this.detail || this.detail.externalId !== externalId) {
      this.detail?.widget.element.remove();
      this.detail = { externalId, widget: this.makeTimer(task, false), missSince: null, missCounted: false, floating: false };
    }
    this.detail.task = task;
    if (pageTask) this.queueResolve(pageTask, toResolve);
    const anchor = safe(() => this.site.detailAnchor(this.doc));
    const element = this.detail.widget.element;
    if (anchor?.element?.isConnected) {
      this.detail.floating = false;
      this.detail.missSince = null;
      this.detail.anchorElement = anchor.element;
      element.removeAttribute('data-placement');
      ensurePlaced(element, anchor.element, anchor.position, (node) => isTimerFor(node, externalId));
      return;
    }
    // The URL names a task but the page has no place for it (yet).
    const now = this.now();
    this.detail.missSince ??= now;
    if (now - this.detail.missSince < ANCHOR_GRACE_MS) {
      this.scheduleScanAfter(ANCHOR_GRACE_MS - (now - this.detail.missSince) + 10);
      return;
    }
    this.detail.floating = true;
    ensureFloating(element, this.doc);
    // Only now, with the page settled and still no task data, go by the URL alone.
    if (!pageTask) this.queueResolve(task, toResolve);
    if (!this.detail.missCounted) {
      this.detail.missCounted = true;
      this.countMiss(location);
    }
  }

  scheduleScanAfter(ms) {
    this.win.clearTimeout(this.graceTimer);
    this.graceTimer = this.win.setTimeout(() => this.scan(), ms);
  }

  scanList(location, toResolve) {
    const items = safe(() => this.site.listItems(this.doc, location)) ?? [];
    const seen = new Set();
    for (const { task, anchor, position } of items) {
      if (!task?.taskId || !anchor?.isConnected) continue;
      if (this.detail && !this.detail.floating && anchor === this.detail.anchorElement) continue;
      seen.add(anchor);
      let widget = this.listWidgets.get(anchor);
      if (!widget || widget.element.getAttribute('data-external-id') !== task.taskId) {
        widget?.element.remove();
        widget = this.makeTimer(task, true);
        this.listWidgets.set(anchor, widget);
      }
      widget.task = task;
      ensurePlaced(widget.element, anchor, position, (node) => isTimerFor(node, task.taskId));
      this.queueResolve(task, toResolve);
    }
    for (const [anchor, widget] of this.listWidgets) {
      if (!seen.has(anchor)) {
        widget.element.remove();
        this.listWidgets.delete(anchor);
      }
    }
  }

  scanAvatar() {
    const anchor = safe(() => this.site.avatarAnchor(this.doc));
    if (!anchor?.element?.isConnected) return;
    if (!this.attendance) {
      this.attendance = new AttendanceWidget(this.doc, { onToggle: () => this.run('attendance.toggle', {}) });
    }
    ensurePlaced(this.attendance.element, anchor.element, anchor.position, (node) => node.localName === ATTENDANCE_TAG);
  }

  makeTimer(task, compact) {
    const widget = new TimerWidget(this.doc, {
      source: this.site.name,
      externalId: task.taskId,
      compact,
      onToggle: () => this.toggle(widget),
      onDetails: () => this.openPanel(widget),
    });
    widget.task = task;
    this.pendingReport.mounted += 1;
    return widget;
  }

  countMiss(location) {
    this.pendingReport.misses += 1;
    this.pendingReport.pattern = safe(() => this.site.urlPattern(location)) ?? `${this.site.name}:unknown`;
    this.flushReport();
  }

  flushReport() {
    const { misses, mounted, pattern } = this.pendingReport;
    if (!misses && !mounted) return;
    this.pendingReport = { misses: 0, mounted: 0, pattern: null };
    const label = pattern ?? safe(() => this.site.urlPattern(this.win.location)) ?? `${this.site.name}:unknown`;
    this.link.request('diagnostics.report', { site: this.site.name, pattern: String(label).slice(0, 200), misses, mounted }).catch(() => {});
  }

  // ---- resolving ----

  queueResolve(task, toResolve) {
    const key = JSON.stringify([task.title, task.project?.id ?? null, task.projectCount, task.parentId ?? null]);
    if (this.resolvedKeys.get(task.taskId) === key) return;
    if (toResolve.some((queued) => queued.taskId === task.taskId)) return;
    this.resolvedKeys.set(task.taskId, key);
    toResolve.push(task);
  }

  async resolve(tasks) {
    if (!this.state.signedIn) {
      // Nothing to ask yet: forget so that signing in later resolves them.
      for (const task of tasks) this.resolvedKeys.delete(task.taskId);
      return;
    }
    try {
      const answer = await this.link.request('tasks.resolve', { items: tasks.map(plainTask) });
      (answer?.items ?? []).forEach((view, index) => {
        if (view && tasks[index]) this.views.set(tasks[index].taskId, view);
      });
    } catch {
      for (const task of tasks) this.resolvedKeys.delete(task.taskId); // try again on the next scan
    }
    this.render();
  }

  async viewFor(widget) {
    const externalId = widget.element.getAttribute('data-external-id');
    if (!this.views.has(externalId) && widget.task) {
      this.resolvedKeys.delete(externalId);
      await this.resolve([widget.task]);
    }
    return this.views.get(externalId) ?? null;
  }

  // ---- actions ----

  async toggle(widget) {
    if (!this.state.signedIn) {
      this.link.request('page.open', { page: 'options' }).catch(() => {});
      return;
    }
    const view = await this.viewFor(widget);
    if (!view || view.trackable === false) return;
    const timer = this.state.timer;
    const mine = timer && String(timer.task_id) === String(view.task_id);
    if (mine && timer.state === 'running') await this.run('timer.stop', {}, widget);
    else if (mine && timer.state === 'paused') await this.run('timer.resume', {}, widget);
    else await this.run('timer.start', { task_id: view.task_id }, widget);
  }

  async openPanel(widget) {
    if (!this.state.signedIn) {
      this.link.request('page.open', { page: 'options' }).catch(() => {});
      return;
    }
    const view = await this.viewFor(widget);
    if (!view) return;
    if (!this.panel) this.panel = new PanelWidget(this.doc, { request: (type, payload) => this.link.request(type, payload), now: this.now });
    if (!this.panel.element.isConnected) this.doc.body.append(this.panel.element);
    this.panel.open({ taskId: view.task_id, source: this.site.name, externalId: widget.element.getAttribute('data-external-id'), title: widget.task?.title ?? '' });
    this.render();
  }

  async run(type, payload, widget = null) {
    try {
      await this.link.request(type, payload);
    } catch (error) {
      if (widget && error.code === 'untrackable') {
        const externalId = widget.element.getAttribute('data-external-id');
        this.views.set(externalId, { ...this.views.get(externalId), trackable: false, reason: error.reason ?? 'untrackable' });
      }
      widget?.element.setAttribute('data-error', error.code ?? 'error');
      widget?.element.setAttribute('title', error.message ?? '');
    }
    this.render();
  }

  // ---- drawing ----

  render() {
    const now = this.now();
    const dark = Boolean(safe(() => this.site.darkMode(this.doc)));
    const widgets = [...this.listWidgets.values()];
    if (this.detail) widgets.push(this.detail.widget);
    for (const widget of widgets) {
      const externalId = widget.element.getAttribute('data-external-id');
      const view = this.views.get(externalId) ?? null;
      const taskId = view?.task_id ?? null;
      widget.render({
        state: timerWidgetState(this.state, taskId, view, now),
        todaySeconds: taskId == null ? 0 : taskTodaySeconds(this.state, taskId, now),
        reason: view?.reason ?? null,
        dark,
        floating: widget === this.detail?.widget && this.detail.floating,
      });
    }
    this.attendance?.render({
      state: this.state.attendance?.state === 'in' ? 'in' : 'out',
      todaySeconds: attendanceSeconds(this.state, now),
      signedIn: this.state.signedIn,
      dark,
    });
    if (this.panel?.isOpen) {
      const view = [...this.views.values()].find((v) => String(v.task_id) === String(this.panel.task.taskId)) ?? null;
      this.panel.render({
        view,
        todaySeconds: taskTodaySeconds(this.state, this.panel.task.taskId, now),
        timer: this.state.timer,
        role: this.state.user?.role ?? null,
        dark,
      });
    }
  }
}

function isOurs(record) {
  const nodes = [...record.addedNodes, ...record.removedNodes];
  if (nodes.length === 0) return record.target?.localName?.startsWith?.('taskclock-') ?? false;
  return nodes.every((node) => node.localName?.startsWith?.('taskclock-'));
}

function isTimerFor(node, externalId) {
  return node.localName === TIMER_TAG && node.getAttribute('data-external-id') === externalId;
}

function safe(fn) {
  // An adapter that throws on an unexpected page must not take the runtime down.
  try {
    return fn();
  } catch {
    return null;
  }
}

/** The adapter's PageTask, reduced to exactly the fields the background accepts. */
export function plainTask(task) {
  return {
    source: task.source,
    taskId: String(task.taskId),
    title: String(task.title ?? '').slice(0, 2000),
    url: String(task.url ?? '').slice(0, 4000),
    project: task.project ? { id: String(task.project.id ?? ''), name: String(task.project.name ?? '') } : null,
    projectCount: Number.isSafeInteger(task.projectCount) ? task.projectCount : task.project ? 1 : 0,
    parentId: task.parentId ? String(task.parentId) : null,
    section: task.section ? String(task.section).slice(0, 1000) : null,
  };
}

function fallbackTask(source, externalId, doc, location) {
  return { source, taskId: externalId, title: doc.title || externalId, url: location.href, project: null, projectCount: 0, parentId: null, section: null };
}
