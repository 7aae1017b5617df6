// <taskclock-attendance>: the user's own badge beside the site's avatar. A click clocks
// in or out; it never opens or replaces the site's own account menu.

import { formatHoursMinutes } from '../lib/duration.js';
import { t } from '../lib/i18n.js';
import { el, setAttr, setText, shadowHost } from './dom.js';
import { ATTENDANCE_CSS } from './styles.js';

export const ATTENDANCE_TAG = 'taskclock-attendance';

export class AttendanceWidget {
  constructor(doc, { onToggle = () => {} } = {}) {
    const { host, root } = shadowHost(doc, ATTENDANCE_TAG, ATTENDANCE_CSS);
    this.element = host;
    this.label = el(doc, 'span', { class: 'label' });
    this.time = el(doc, 'span', { class: 'time' });
    this.button = el(doc, 'button', { type: 'button', 'data-action': 'toggle' }, [el(doc, 'span', { class: 'dot', 'aria-hidden': 'true' }), this.label, this.time]);
    this.button.addEventListener('click', (event) => {
      event.preventDefault();
      event.stopPropagation();
      if (!this.button.disabled) onToggle();
    });
    host.addEventListener('click', (event) => event.stopPropagation());
    root.append(this.button);
    this.render({ state: 'out', todaySeconds: 0 });
  }

  /** @param view {state: 'in'|'out', todaySeconds, signedIn?, dark?} */
  render({ state, todaySeconds = 0, signedIn = true, dark = false }) {
    const seconds = Math.max(0, Math.floor(todaySeconds));
    setAttr(this.element, 'data-state', state === 'in' ? 'in' : 'out');
    setAttr(this.element, 'data-today-seconds', seconds);
    setAttr(this.element, 'data-theme', dark ? 'dark' : null);
    setText(this.label, state === 'in' ? t('attendanceIn') : t('attendanceOut'));
    setText(this.time, formatHoursMinutes(seconds));
    this.button.disabled = !signedIn;
    const hint = !signedIn ? t('timerSignIn') : state === 'in' ? t('attendanceClockOut') : t('attendanceClockIn');
    setAttr(this.button, 'title', hint);
    setAttr(this.button, 'aria-label', `${hint} ${formatHoursMinutes(seconds)}`);
  }
}
