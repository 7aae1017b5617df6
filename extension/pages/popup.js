// The toolbar popup: the running timer (counting) and today's total.

import { formatClock, formatHoursMinutes } from '../lib/duration.js';
import { t } from '../lib/i18n.js';
import { initialState, timerSeconds, totalTodaySeconds } from '../lib/state.js';
import { ask, translatePage } from './page_client.js';

let state = initialState();
const $ = (selector) => document.querySelector(selector);

function render() {
  const now = Date.now();
  const timer = state.timer;
  const stateNode = $('[data-role="timer-state"]');
  stateNode.setAttribute('data-state', timer ? timer.state : 'none');
  stateNode.textContent = !state.signedIn ? t('timerSignIn') : timer ? (timer.state === 'running' ? t('popupRunning') : t('popupPaused')) : t('popupNoTimer');
  $('[data-role="task"]').textContent = timer?.task?.title ?? '';
  const seconds = timerSeconds(state, now);
  $('[data-role="timer"]').textContent = timer ? formatClock(seconds) : '';
  $('[data-role="timer"]').setAttribute('data-seconds', String(seconds));
  const total = totalTodaySeconds(state, now);
  $('[data-role="today-total"]').textContent = formatHoursMinutes(total);
  $('[data-role="today-total"]').setAttribute('data-seconds', String(total));
  $('[data-action="pause"]').hidden = timer?.state !== 'running';
  $('[data-action="resume"]').hidden = timer?.state !== 'paused';
  $('[data-action="stop"]').hidden = !timer;
}

async function load() {
  try {
    state = { ...initialState(), ...(await ask('state.get')) };
  } catch (error) {
    $('[data-role="error"]').textContent = error.message;
  }
  render();
}

async function act(type, payload = {}) {
  try {
    await ask(type, payload);
  } catch (error) {
    $('[data-role="error"]').textContent = error.message;
  }
  await load();
}

$('[data-action="pause"]').addEventListener('click', () => act('timer.pause'));
$('[data-action="resume"]').addEventListener('click', () => act('timer.resume'));
$('[data-action="stop"]').addEventListener('click', () => act('timer.stop'));
$('[data-action="timesheet"]').addEventListener('click', () => act('page.open', { page: 'timesheet' }).then(() => window.close()));
$('[data-action="options"]').addEventListener('click', () => act('page.open', { page: 'options' }).then(() => window.close()));

translatePage();
load();
setInterval(render, 1_000);
setInterval(load, 5_000);
