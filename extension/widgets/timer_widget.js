// <taskclock-timer>: one per task the page shows. A plain host element with an open
// shadow root (custom element registries are not available to content scripts in
// every browser, so nothing is registered; the tag name and attributes are the
// contract). The content runtime calls `render` with the task's state every second.

import { formatClock, formatHoursMinutes } from '../lib/duration.js';
import { t } from '../lib/i18n.js';
import { el, setAttr, setText, shadowHost } from './dom.js';
import { TIMER_CSS } from './styles.js';

export const TIMER_TAG = 'taskclock-timer';
export const TIMER_STATES = Object.freeze(['idle', 'today', 'running', 'paused', 'blocked', 'signed-out']);

export class TimerWidget {
  /**
   * @param doc the page's document
   * @param options.source 'asana' | 'jira' | 'trello';  options.externalId the site's task id
   * @param options.compact list/board variant (no details button, h:mm)
   * @param options.onToggle () => void;  options.onDetails () => void
   */
  constructor(doc, { source, externalId, compact = false, onToggle = () => {}, onDetails = () => {} }) {
    const { host, root } = shadowHost(doc, TIMER_TAG, TIMER_CSS);
    this.element = host;
    host.setAttribute('data-source', source);
    host.setAttribute('data-external-id', externalId);
    host.setAttribute('data-state', 'idle');
    host.setAttribute('data-today-seconds', '0');
    if (compact) host.setAttribute('data-variant', 'compact');
    this.compact = compact;
    this.dot = el(doc, 'span', { class: 'dot', 'aria-hidden': 'true' });
    this.time = el(doc, 'span', { class: 'time', text: '' });
    this.toggle = el(doc, 'button', { type: 'button', 'data-action': 'toggle' }, [this.dot, this.time]);
    this.details = el(doc, 'button', { type: 'button', 'data-action': 'details', 'aria-label': t('timerDetails'), title: t('timerDetails'), text: '⋯' });
    root.append(el(doc, 'div', { class: 'box', part: 'box' }, [this.toggle, this.details]));
    // Clicks stay ours: the site's own handlers (open card, select row) must not fire.
    for (const button of [this.toggle, this.details]) {
      button.addEventListener('click', (event) => {
        event.preventDefault();
        event.stopPropagation();
      });
    }
    host.addEventListener('click', (event) => event.stopPropagation());
    this.toggle.addEventListener('click', () => {
      if (!this.toggle.disabled) onToggle();
    });
    this.details.addEventListener('click', () => onDetails());
    this.render({ state: 'idle', todaySeconds: 0 });
  }

  /** @param view {state, todaySeconds, reason?, dark?, floating?} */
  render({ state, todaySeconds = 0, reason = null, dark = false, floating = false }) {
    if (!TIMER_STATES.includes(state)) throw new Error(`unknown timer state ${state}`);
    const host = this.element;
    const seconds = Math.max(0, Math.floor(todaySeconds));
    setAttr(host, 'data-state', state);
    setAttr(host, 'data-today-seconds', seconds);
    setAttr(host, 'data-reason', state === 'blocked' ? reason ?? 'untrackable' : null);
    setAttr(host, 'data-placement', floating ? 'floating' : null);
    setAttr(host, 'data-theme', dark ? 'dark' : null);
    const live = state === 'running' || state === 'paused';
    setText(this.time, labelFor(state, seconds, live, this.compact));
    this.toggle.disabled = state === 'blocked';
    const hint = hintFor(state, reason);
    setAttr(this.toggle, 'title', hint);
    setAttr(this.toggle, 'aria-label', `${hint} ${this.time.textContent}`.trim());
    setAttr(this.toggle, 'aria-pressed', state === 'running' ? 'true' : 'false');
  }
}

function labelFor(state, seconds, live, compact) {
  if (state === 'signed-out') return compact ? '–' : t('timerSignedOut');
  if (live) return compact ? formatHoursMinutes(seconds) : formatClock(seconds);
  if (seconds > 0) return formatHoursMinutes(seconds);
  return compact ? '0:00' : t('timerStart');
}

function hintFor(state, reason) {
  switch (state) {
    case 'running':
      return t('timerStop');
    case 'paused':
      return t('timerResume');
    case 'blocked':
      return t(`reason_${String(reason ?? 'untrackable').replace(/-/g, '_')}`);
    case 'signed-out':
      return t('timerSignIn');
    default:
      return t('timerStart');
  }
}
