// timesheet.html?month=YYYY-MM: the signed-in user's month from the relay.

import { uiLanguage } from '../lib/browser_api.js';
import { ask, translatePage } from './page_client.js';
import { renderTimesheet, validMonth } from './timesheet_view.js';

function currentMonth() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
}

async function show() {
  const requested = new URLSearchParams(window.location.search).get('month');
  const month = validMonth(requested) ? requested : currentMonth();
  renderTimesheet(document, month, null, { locale: uiLanguage() });
  try {
    const sheet = await ask('timesheet', { month });
    renderTimesheet(document, month, sheet, { locale: uiLanguage() });
  } catch (error) {
    document.querySelector('[data-role="error"]').textContent = error.message;
  }
}

translatePage();
show();
