// The background's one owner of state and transport. Chooses the agent when its
// native host answers, the direct transport otherwise; applies every answer and live
// event through the pure reducer; persists the state in storage.session so a
// restarted service worker answers at once; pushes the state to every content port.

import { initialState, publicState, reduce } from '../lib/state.js';
import { toRelayPageTask } from '../lib/message_validation.js';
import { newIdempotencyKey } from './operations.js';
import { RelayError } from './relay_http.js';
import { backoffDelay } from './live_socket.js';
import { DiagnosticsStore } from './diagnostics_store.js';

const STATE_KEY = 'state';
const AGENT_RETRY_MIN_MS = 5_000;
const DAY_CHECK_MS = 30_000;

export class Controller {
  /**
   * @param deps.session Session;  deps.makeAgent (handlers) => AgentTransport;
   * @param deps.makeDirect (handlers) => DirectTransport;  deps.sessionStore, deps.localStore;
   * @param deps.openTab (url);  deps.extensionUrl (path);  deps.version, deps.browser;  deps.now () => ms
   */
  constructor(deps) {
    this.deps = { now: () => Date.now(), onStateChanged: () => {}, ...deps };
    this.state = initialState();
    this.diagnostics = new DiagnosticsStore(this.deps.localStore);
    this.transport = null;
    this.ports = new Set();
    this.agentAttempt = 0;
    this.agentRetryTimer = null;
    this.todayTimer = null;
    this.persistTimer = null;
    this.broadcastTimer = null;
    this.ready = null;
  }

  /**
   * Restore what a previous worker knew (awaited by every request, so a restarted
   * worker answers from storage.session at once), then connect in the background
   * (`this.connecting`, awaited only by calls that need a transport).
   */
  init() {
    if (!this.ready) this.ready = this.doInit();
    return this.ready;
  }

  /** The user's local date now, in their relay time zone (YYYY-MM-DD). */
  localDate() {
    try {
      return new Intl.DateTimeFormat('en-CA', { timeZone: this.state.timeZone ?? undefined, year: 'numeric', month: '2-digit', day: '2-digit' }).format(this.deps.now());
    } catch {
      return null;
    }
  }

  // Past the user's midnight, yesterday's sums must not show as today's.
  checkDayRollover() {
    if (this.transport && this.state.date && this.localDate() && this.localDate() !== this.state.date) this.refreshToday();
  }

  async doInit() {
    this.dayTimer ??= setInterval(() => this.checkDayRollover(), DAY_CHECK_MS);
    try {
      const saved = (await this.deps.sessionStore.get(STATE_KEY))?.[STATE_KEY];
      if (saved) this.state = { ...this.state, ...saved, connected: false };
    } catch {
      /* nothing saved: start empty */
    }
    await this.deps.session.load();
    this.connecting = this.connect();
  }

  dispatch(action) {
    const next = reduce(this.state, action);
    if (next === this.state) return;
    this.state = next;
    if (next.stale) this.scheduleTodayRefresh();
    this.schedulePersist();
    this.scheduleBroadcast();
    this.deps.onStateChanged(this.state);
  }

  // ---- choosing and running a transport ----

  async connect() {
    if (await this.tryAgent()) return;
    await this.useDirect();
  }

  async tryAgent() {
    clearTimeout(this.agentRetryTimer);
    const agent = this.deps.makeAgent({
      onFrame: (frame) => this.onFrame(frame),
      onDisconnected: () => this.agentGone(agent),
    });
    let hello;
    try {
      hello = await agent.start({ client: 'taskclock-extension', version: this.deps.version, browser: this.deps.browser, since: this.state.seq });
    } catch {
      agent.stop();
      this.scheduleAgentRetry();
      return false;
    }
    if (!hello?.signed_in) {
      // The agent runs but has no login: the options page's sign-in (if any) wins.
      agent.stop();
      this.scheduleAgentRetry();
      return false;
    }
    this.agentAttempt = 0;
    this.replaceTransport(agent);
    this.dispatch({ type: 'session', signedIn: true, mode: 'agent', user: hello.user ?? null });
    this.dispatch({ type: 'connection', connected: hello.connected !== false });
    this.refreshToday();
    return true;
  }

  agentGone(agent) {
    if (this.transport !== agent) return;
    this.transport = null;
    this.dispatch({ type: 'connection', connected: false });
    this.useDirect().finally(() => this.scheduleAgentRetry());
  }

  scheduleAgentRetry() {
    clearTimeout(this.agentRetryTimer);
    const delay = Math.max(AGENT_RETRY_MIN_MS, backoffDelay(this.agentAttempt + 4));
    this.agentAttempt += 1;
    this.agentRetryTimer = setTimeout(() => {
      if (this.transport?.kind !== 'agent') this.tryAgent();
    }, delay);
  }

  async useDirect() {
    const session = this.deps.session;
    if (!session.isSignedIn()) {
      this.replaceTransport(null);
      if (this.state.signedIn || this.state.mode !== 'none') this.dispatch({ type: 'signed-out' });
      return;
    }
    const direct = this.deps.makeDirect({
      since: () => this.state.seq,
      onFrame: (frame) => this.onFrame(frame),
      onConnected: (connected) => this.dispatch({ type: 'connection', connected }),
      onServerDate: (serverMs) => {
        const offset = serverMs - this.deps.now();
        // Date headers have whole seconds: only correct clocks that are clearly off.
        if (Math.abs(offset) > 2_000) this.dispatch({ type: 'clock-offset', offsetMs: offset });
      },
    });
    this.replaceTransport(direct);
    this.dispatch({ type: 'session', signedIn: true, mode: 'direct', user: session.credentials?.user ?? null });
    try {
      await direct.start();
    } catch (error) {
      this.handleTransportError(error);
      return;
    }
    this.refreshToday();
  }

  replaceTransport(transport) {
    if (this.transport && this.transport !== transport) this.transport.stop();
    this.transport = transport;
  }

  onFrame(frame) {
    switch (frame.type) {
      case 'event':
        this.dispatch({ type: 'event', event: stampAttendance(frame, this.deps.now()) });
        break;
      case 'snapshot': {
        // The relay's snapshot state is /today; the agent's wraps it as {today}.
        const today = frame.state?.today ?? frame.state;
        this.dispatch({ type: 'snapshot', seq: frame.seq, today: today?.date ? stampAttendanceView(today, this.deps.now()) : null });
        break;
      }
      case 'welcome':
        if (this.state.seq === 0) this.dispatch({ type: 'snapshot', seq: frame.seq }); // first contact: /today covers the past
        this.dispatch({ type: 'welcome', seq: frame.seq });
        break;
      case 'status':
        this.dispatch({ type: 'connection', connected: frame.connected !== false });
        if (frame.signed_in === false && this.transport?.kind === 'agent') this.agentGone(this.transport);
        break;
      default:
        break;
    }
  }

  scheduleTodayRefresh() {
    clearTimeout(this.todayTimer);
    this.todayTimer = setTimeout(() => this.refreshToday(), 250);
  }

  async refreshToday() {
    if (!this.transport) return;
    try {
      const today = await this.transport.call('today', {});
      this.dispatch({ type: 'today', today: stampAttendanceView(today, this.deps.now()) });
    } catch (error) {
      this.handleTransportError(error);
    }
  }

  handleTransportError(error) {
    if (error instanceof RelayError && error.status === 401 && this.transport?.kind === 'direct') {
      this.replaceTransport(null);
      this.dispatch({ type: 'signed-out' });
    }
  }

  // ---- requests from content scripts and extension pages ----

  async request(type, payload = {}) {
    await this.init();
    switch (type) {
      case 'state.get':
        return publicState(this.state);
      case 'tasks.resolve': {
        const answer = await this.call('resolve', { items: payload.items.map(toRelayPageTask) });
        if (answer?.queued) return this.queued(answer);
        this.dispatch({ type: 'tasks', items: answer?.items ?? [] });
        return answer;
      }
      case 'timer.start': {
        const answer = await this.call('timer.start', payload);
        if (answer?.queued) return this.queued(answer);
        this.dispatch({ type: 'timer', timer: answer?.timer ?? null, stoppedEntries: [answer?.stopped_entry].filter(Boolean) });
        return answer;
      }
      case 'timer.pause':
      case 'timer.resume': {
        const answer = await this.call(type, payload);
        if (answer?.queued) return this.queued(answer);
        this.dispatch({ type: 'timer', timer: answer?.timer ?? null });
        return answer;
      }
      case 'timer.stop': {
        const answer = await this.call('timer.stop', payload);
        if (answer?.queued) return this.queued(answer);
        const entries = [answer?.entry, ...(answer?.entries ?? [])].filter(Boolean);
        this.dispatch({ type: 'timer', timer: null, stoppedEntries: entries });
        return answer;
      }
      case 'attendance.toggle': {
        const answer = await this.call('attendance.toggle', {});
        if (answer?.queued) return this.queued(answer);
        if (answer?.attendance) this.dispatch({ type: 'attendance', attendance: { ...answer.attendance, as_of: new Date(this.deps.now()).toISOString() } });
        return answer;
      }
      case 'entries.create':
      case 'entries.update': {
        const answer = await this.call(type, payload);
        if (answer?.queued) return this.queued(answer);
        this.dispatch({ type: 'entry', change: type === 'entries.create' ? 'created' : 'updated', entry: answer?.entry });
        return answer;
      }
      case 'entries.delete': {
        const answer = await this.call('entries.delete', payload);
        if (answer?.queued) return this.queued(answer);
        this.dispatch({ type: 'entry', change: 'deleted', entry: answer?.entry ?? { id: payload.entry_id } });
        return answer ?? {};
      }
      case 'tasks.update': {
        const answer = await this.call('tasks.update', payload);
        if (answer?.queued) return this.queued(answer);
        const view = answer?.task ?? answer;
        if (view) this.dispatch({ type: 'tasks', items: [{ task_id: payload.task_id, ...view }] });
        return answer;
      }
      case 'entries.list':
      case 'timesheet':
      case 'me':
        return this.call(type, payload);
      case 'diagnostics.report':
        return this.recordDiagnostics(payload);
      case 'page.open': {
        const query = payload.month ? `?month=${payload.month}` : '';
        await this.deps.openTab(this.deps.extensionUrl(`${payload.page}.html${query}`));
        return {};
      }
      default:
        throw new RelayError(400, 'unknown_request', `unknown request ${type}`);
    }
  }

  /**
   * The agent wrote the command to its outbox but the relay has not answered (it is
   * down): the relay's events follow once it is back. Meanwhile show what the agent
   * shows, its `today` with queued commands applied, so the click shows at once.
   */
  async queued(answer) {
    if (this.transport?.kind === 'agent') await this.refreshToday();
    return answer;
  }

  async call(op, args) {
    if (!this.transport) await this.connecting;
    if (!this.transport) throw new RelayError(401, 'not_authenticated', 'not signed in');
    try {
      return await this.transport.call(op, args, { idempotencyKey: newIdempotencyKey() });
    } catch (error) {
      this.handleTransportError(error);
      throw error;
    }
  }

  // ---- options page ----

  async status() {
    await this.init();
    await this.connecting;
    const diagnostics = await this.diagnostics.read();
    const mode = this.state.signedIn ? this.state.mode : 'none';
    return {
      status: mode === 'agent' ? 'agent' : mode === 'direct' ? 'signed-in' : 'signed-out',
      connected: this.state.connected,
      user: this.state.user,
      settings: this.deps.session.publicSettings(),
      diagnostics,
    };
  }

  async signIn(form) {
    await this.init();
    await this.deps.session.signIn(form); // throws, storing nothing, on failure
    if (this.transport?.kind !== 'agent') await this.useDirect();
    return this.status();
  }

  async signOut() {
    await this.init();
    await this.deps.session.signOut();
    if (this.transport?.kind !== 'agent') await this.useDirect();
    return this.status();
  }

  async recordDiagnostics(report) {
    await this.diagnostics.recordReport(report);
    return {};
  }

  recordDropped(reason) {
    return this.diagnostics.recordDropped(reason);
  }

  // ---- fan-out ----

  addPort(port) {
    this.ports.add(port);
    port.postMessage({ type: 'state', state: publicState(this.state) });
  }

  removePort(port) {
    this.ports.delete(port);
  }

  scheduleBroadcast() {
    if (this.broadcastTimer) return;
    this.broadcastTimer = setTimeout(() => {
      this.broadcastTimer = null;
      const message = { type: 'state', state: publicState(this.state) };
      for (const port of this.ports) {
        try {
          port.postMessage(message);
        } catch {
          this.ports.delete(port);
        }
      }
    }, 20);
  }

  schedulePersist() {
    clearTimeout(this.persistTimer);
    this.persistTimer = setTimeout(() => {
      this.deps.sessionStore.set({ [STATE_KEY]: { ...publicState(this.state), seq: this.state.seq } }).catch(() => {});
    }, 100);
  }
}

// Attendance answers count seconds up to the moment they were made: remember when
// that was, so the badge can count on from there.
function stampAttendance(frame, nowMs) {
  const attendance = frame.data?.attendance;
  if (!attendance || attendance.as_of) return frame;
  return { ...frame, data: { ...frame.data, attendance: { ...attendance, as_of: new Date(nowMs).toISOString() } } };
}

function stampAttendanceView(today, nowMs) {
  if (!today?.attendance || today.attendance.as_of) return today;
  return { ...today, attendance: { ...today.attendance, as_of: new Date(nowMs).toISOString() } };
}
