// The month's timesheet as DOM rows: one [data-date] row for every day of the month
// (empty days too), per-project totals, the month total. Pure DOM building, no browser
// API, so unit tests render it with jsdom.

import { formatHoursMinutes } from '../lib/duration.js';

/** 'YYYY-MM' of the month `offset` months away from `month`. */
export function shiftMonth(month, offset) {
  const [year, number] = month.split('-').map(Number);
  const index = year * 12 + (number - 1) + offset;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

export function daysOfMonth(month) {
  const [year, number] = month.split('-').map(Number);
  const count = new Date(Date.UTC(year, number, 0)).getUTCDate();
  return Array.from({ length: count }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
}

export function validMonth(text) {
  return typeof text === 'string' && /^\d{4}-(0[1-9]|1[0-2])$/.test(text);
}

function cell(doc, text, className) {
  const node = doc.createElement('td');
  if (className) node.className = className;
  node.textContent = text;
  return node;
}

export function renderTimesheet(doc, month, sheet, { locale = 'en' } = {}) {
  const byDate = new Map((sheet?.days ?? []).map((day) => [day.date, day]));
  const weekday = new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' });
  const dayRows = daysOfMonth(month).map((date) => {
    const seconds = Number(byDate.get(date)?.seconds) || 0;
    const row = doc.createElement('tr');
    row.setAttribute('data-date', date);
    row.setAttribute('data-seconds', String(seconds));
    const day = new Date(`${date}T00:00:00Z`);
    if (day.getUTCDay() === 0 || day.getUTCDay() === 6) row.setAttribute('data-weekend', '');
    row.append(cell(doc, `${weekday.format(day)} ${date}`), cell(doc, seconds ? formatHoursMinutes(seconds) : '–', 'num'));
    return row;
  });
  doc.querySelector('[data-role="days"] tbody').replaceChildren(...dayRows);
  const projectRows = (sheet?.projects ?? []).map((project) => {
    const row = doc.createElement('tr');
    row.setAttribute('data-project-id', String(project.project_id));
    row.setAttribute('data-seconds', String(project.seconds));
    row.append(cell(doc, project.name ?? ''), cell(doc, formatHoursMinutes(project.seconds), 'num'));
    return row;
  });
  doc.querySelector('[data-role="projects"] tbody').replaceChildren(...projectRows);
  setTotal(doc, 'month-total', sheet?.total_seconds);
  setTotal(doc, 'billable-total', sheet?.billable_seconds);
  setTotal(doc, 'attendance-total', sheet?.attendance_seconds);
  doc.querySelector('[data-role="month"]').textContent = month;
  doc.querySelector('[data-action="previous"]').setAttribute('href', `timesheet.html?month=${shiftMonth(month, -1)}`);
  doc.querySelector('[data-action="next"]').setAttribute('href', `timesheet.html?month=${shiftMonth(month, 1)}`);
}

function setTotal(doc, role, value) {
  const seconds = Number(value) || 0;
  const node = doc.querySelector(`[data-role="${role}"]`);
  node.setAttribute('data-seconds', String(seconds));
  node.textContent = formatHoursMinutes(seconds);
}
