// <taskclock-panel>: one per page, appended to body. Task total, today, budget bar, the
// add-entry form, the user's entries with edit and delete (confirmed), pause/resume,
// billable switch and budget for roles that may change them, a link to the month.

import { formatHoursMinutes, parseDuration } from '../lib/duration.js';
import { t } from '../lib/i18n.js';
import { BILLING_EDITOR_ROLES } from '../lib/protocol.js';
import { el, setAttr, setText, shadowHost } from './dom.js';
import { renderEntryEditor, renderEntryRow } from './panel_entries.js';
import { PANEL_CSS } from './styles.js';

export const PANEL_TAG = 'taskclock-panel';

// Keep the site's keyboard shortcuts and focus traps (Trello's Atlaskit focus lock)
// away from what happens inside the panel: these events stop at the panel's host.
const CONTAINED_EVENTS = ['keydown', 'keyup', 'keypress', 'focusin', 'focusout', 'mousedown', 'click', 'input'];

export function localDate(nowMs = Date.now()) {
  const d = new Date(nowMs);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export class PanelWidget {
  /** @param options.request (type, payload) => Promise: the background;  options.now () => ms */
  constructor(doc, { request, now = () => Date.now() }) {
    this.doc = doc;
    this.request = request;
    this.now = now;
    this.task = null;
    this.entries = [];
    this.lastTotal = null;
    const { host, root } = shadowHost(doc, PANEL_TAG, PANEL_CSS);
    this.element = host;
    this.root = root;
    host.setAttribute('role', 'dialog');
    host.setAttribute('aria-label', t('panelTitle'));
    for (const type of CONTAINED_EVENTS) host.addEventListener(type, (event) => event.stopPropagation());
    host.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.close();
    });
    this.build();
  }

  build() {
    const doc = this.doc;
    this.title = el(doc, 'h2', { 'data-role': 'title' });
    this.closeButton = el(doc, 'button', { type: 'button', 'data-action': 'close', 'aria-label': t('panelClose'), text: '×' });
    this.closeButton.addEventListener('click', () => this.close());
    this.totalValue = el(doc, 'dd', { 'data-role': 'task-total', 'data-seconds': '0' });
    this.todayValue = el(doc, 'dd', { 'data-role': 'today', 'data-seconds': '0' });
    this.budgetText = el(doc, 'span');
    this.budgetFill = el(doc, 'span');
    this.budgetBar = el(doc, 'div', { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100' }, [this.budgetFill]);
    this.budgetValue = el(doc, 'dd', { 'data-role': 'budget' }, [this.budgetText, this.budgetBar]);
    const facts = el(doc, 'dl', {}, [
      el(doc, 'dt', { text: t('panelTotal') }), this.totalValue,
      el(doc, 'dt', { text: t('panelToday') }), this.todayValue,
      el(doc, 'dt', { text: t('panelBudget') }), this.budgetValue,
    ]);
    this.pauseButton = el(doc, 'button', { type: 'button', 'data-action': 'pause', text: t('panelPause'), hidden: true });
    this.resumeButton = el(doc, 'button', { type: 'button', 'data-action': 'resume', text: t('panelResume'), hidden: true });
    this.pauseButton.addEventListener('click', () => this.run('timer.pause', {}));
    this.resumeButton.addEventListener('click', () => this.run('timer.resume', {}));
    this.billing = el(doc, 'div', { class: 'row', 'data-role': 'billing' });
    this.form = this.buildAddForm();
    this.list = el(doc, 'ul', { 'data-role': 'entries', 'aria-label': t('panelEntries') });
    this.link = el(doc, 'a', { href: '#', 'data-role': 'timesheet-link', text: t('panelMonth') });
    this.link.addEventListener('click', (event) => {
      event.preventDefault();
      this.request('page.open', { page: 'timesheet', month: localDate(this.now()).slice(0, 7) }).catch(() => {});
    });
    this.error = el(doc, 'p', { class: 'error', 'data-role': 'error', role: 'alert' });
    this.root.append(
      el(doc, 'div', { class: 'panel' }, [
        el(doc, 'header', {}, [this.title, this.closeButton]),
        facts,
        el(doc, 'div', { class: 'row' }, [this.pauseButton, this.resumeButton]),
        this.billing,
        this.form,
        this.list,
        this.link,
        this.error,
      ]),
    );
  }

  buildAddForm() {
    const doc = this.doc;
    const form = el(doc, 'form', { 'data-role': 'add-entry', novalidate: true });
    this.formError = el(doc, 'p', { class: 'error', 'data-role': 'form-error', role: 'alert' });
    form.append(
      el(doc, 'label', {}, [t('fieldDate'), el(doc, 'input', { name: 'date', type: 'date', required: true })]),
      el(doc, 'label', {}, [t('fieldDuration'), el(doc, 'input', { name: 'duration', type: 'text', placeholder: '1:30', autocomplete: 'off', required: true })]),
      el(doc, 'label', {}, [t('fieldNotes'), el(doc, 'input', { name: 'notes', type: 'text', maxlength: '2000', autocomplete: 'off' })]),
      el(doc, 'button', { type: 'submit', text: t('panelAddEntry') }),
      this.formError,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submitNewEntry();
    });
    return form;
  }

  /** Show the panel for a resolved task: {taskId (relay id), source, externalId, title}. */
  open(task) {
    const changed = this.task?.taskId !== task.taskId;
    this.task = task;
    setText(this.title, task.title || task.externalId);
    this.element.setAttribute('data-source', task.source);
    this.element.setAttribute('data-external-id', task.externalId);
    this.element.setAttribute('open', '');
    if (changed) {
      this.form.elements.namedItem('date').value = localDate(this.now());
      this.form.elements.namedItem('duration').value = '';
      this.form.elements.namedItem('notes').value = '';
      setText(this.formError, '');
      this.entries = [];
      this.renderEntries();
    }
    this.loadEntries();
    this.closeButton.focus();
  }

  close() {
    this.element.removeAttribute('open');
    this.task = null;
  }

  get isOpen() {
    return this.element.hasAttribute('open');
  }

  /** Called by the content runtime with the task's numbers; cheap when nothing changed. */
  render({ view = null, todaySeconds = 0, timer = null, role = null, dark = false }) {
    if (!this.task) return;
    setAttr(this.element, 'data-theme', dark ? 'dark' : null);
    // The view's totals are as of its resolve: earlier days from it, today live.
    const earlier = Math.max(0, (Number(view?.total_seconds) || 0) - (Number(view?.today_seconds) || 0));
    const total = earlier + Math.floor(todaySeconds);
    setAttr(this.totalValue, 'data-seconds', total);
    setText(this.totalValue, formatHoursMinutes(total));
    setAttr(this.todayValue, 'data-seconds', Math.floor(todaySeconds));
    setText(this.todayValue, formatHoursMinutes(todaySeconds));
    this.renderBudget(view?.budget_seconds ?? null, total);
    this.pauseButton.hidden = !(timer && timer.state === 'running');
    this.resumeButton.hidden = !(timer && timer.state === 'paused');
    this.renderBilling(view, role);
    if (this.lastTotal !== null && this.lastTotal !== (view?.total_seconds ?? 0)) this.loadEntries();
    this.lastTotal = view?.total_seconds ?? 0;
  }

  renderBudget(budget, total) {
    setAttr(this.budgetValue, 'data-seconds', budget ?? null);
    if (!budget) {
      setText(this.budgetText, t('panelNoBudget'));
      this.budgetBar.hidden = true;
      return;
    }
    this.budgetBar.hidden = false;
    const percent = Math.round((total / budget) * 100);
    setText(this.budgetText, `${formatHoursMinutes(total)} / ${formatHoursMinutes(budget)} (${percent}%)`);
    this.budgetFill.style.width = `${Math.min(100, percent)}%`;
    this.budgetBar.classList.toggle('over', percent > 100);
    setAttr(this.budgetBar, 'aria-valuenow', Math.min(100, percent));
  }

  renderBilling(view, role) {
    const editor = BILLING_EDITOR_ROLES.includes(role);
    const key = JSON.stringify([editor, view?.billable, view?.budget_seconds, this.task.source, view?.task_id]);
    if (this.billingKey === key) return; // do not rebuild under the user's cursor every second
    this.billingKey = key;
    this.billing.replaceChildren();
    const doc = this.doc;
    const billableText = view?.billable ? t('panelBillable') : t('panelNotBillable');
    if (!editor || !view) {
      this.billing.append(el(doc, 'span', { 'data-role': 'billable', text: billableText }));
      return;
    }
    if (this.task.source !== 'jira') {
      // Jira tasks take the project's flag: no switch there (DESIGN.md, roles).
      const toggle = el(doc, 'input', { type: 'checkbox', name: 'billable', role: 'switch', checked: Boolean(view.billable) });
      toggle.addEventListener('change', () => this.run('tasks.update', { task_id: this.task.taskId, billable: toggle.checked }));
      this.billing.append(el(doc, 'label', { class: 'row' }, [toggle, t('panelBillable')]));
    } else {
      this.billing.append(el(doc, 'span', { 'data-role': 'billable', text: billableText }));
    }
    const budgetInput = el(doc, 'input', { name: 'budget', type: 'text', size: '6', placeholder: '10h', value: view.budget_seconds ? formatHoursMinutes(view.budget_seconds) : '' });
    const save = el(doc, 'button', { type: 'button', 'data-action': 'save-budget', text: t('panelSaveBudget') });
    save.addEventListener('click', () => {
      const text = budgetInput.value.trim();
      if (text === '') return this.run('tasks.update', { task_id: this.task.taskId, budget_seconds: null });
      const parsed = parseBudget(text);
      if (parsed.error) return setText(this.error, t(parsed.error));
      return this.run('tasks.update', { task_id: this.task.taskId, budget_seconds: parsed.seconds });
    });
    this.billing.append(el(doc, 'label', { class: 'row' }, [t('panelBudget'), budgetInput]), save);
  }

  async loadEntries() {
    const task = this.task;
    if (!task) return;
    try {
      const answer = await this.request('entries.list', { task_id: task.taskId });
      if (this.task !== task) return;
      this.entries = (answer?.items ?? []).slice().sort((a, b) => String(b.date).localeCompare(String(a.date)) || Number(b.id) - Number(a.id));
      this.renderEntries();
    } catch (error) {
      setText(this.error, error.message ?? String(error));
    }
  }

  /**
   * Draw the entry rows. A refresh (a live total change, another save) keeps the rows the
   * user is acting on, a delete awaiting its confirm or an open editor, so data arriving
   * mid-click never wipes their pending action. Save and cancel close their own row.
   */
  renderEntries() {
    const pending = new Map();
    for (const row of this.list.children) {
      if (row.hasAttribute('data-editing') || row.querySelector('[data-action="confirm"]')) {
        pending.set(row.getAttribute('data-entry-id'), row);
      }
    }
    const rows = this.entries.map((entry) => pending.get(String(entry.id)) ?? this.entryRow(entry));
    this.list.replaceChildren(...rows);
  }

  entryRow(entry) {
    return renderEntryRow(this.doc, entry, {
      onEdit: (row) =>
        row.replaceWith(
          renderEntryEditor(this.doc, entry, {
            onSave: (changes, errorNode) => this.saveEntry(entry, changes, errorNode),
            onCancel: () => this.list.querySelector(`[data-entry-id="${entry.id}"][data-editing]`)?.replaceWith(this.entryRow(entry)),
          }),
        ),
      onDelete: (entryId) => this.run('entries.delete', { entry_id: entryId }).then((ok) => ok && this.loadEntries()),
    });
  }

  async submitNewEntry() {
    const form = this.form.elements;
    const parsed = parseDuration(form.namedItem('duration').value);
    const date = form.namedItem('date').value;
    if (parsed.error) return setText(this.formError, t(parsed.error));
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return setText(this.formError, t('date_invalid'));
    setText(this.formError, '');
    const payload = { task_id: this.task.taskId, date, duration_seconds: parsed.seconds };
    const notes = form.namedItem('notes').value.trim();
    if (notes) payload.notes = notes;
    const ok = await this.run('entries.create', payload, this.formError);
    if (ok) {
      form.namedItem('duration').value = '';
      form.namedItem('notes').value = '';
      await this.loadEntries();
    }
    return ok;
  }

  async saveEntry(entry, changes, errorNode) {
    const ok = await this.run('entries.update', { entry_id: entry.id, ...changes }, errorNode);
    if (!ok) return;
    this.list.querySelector(`[data-entry-id="${entry.id}"][data-editing]`)?.replaceWith(this.entryRow({ ...entry, ...changes }));
    await this.loadEntries();
  }

  /** One request; errors are shown in the panel (or `errorNode`). Returns true on success. */
  async run(type, payload, errorNode = this.error) {
    setText(errorNode, '');
    try {
      await this.request(type, payload);
      return true;
    } catch (error) {
      setText(errorNode, error.message ?? String(error));
      return false;
    }
  }
}

function parseBudget(text) {
  // Budgets may exceed a day: accept plain hours ("40", "40h", "12.5") too.
  const hours = /^(\d+(?:[.,]\d+)?)\s*h?$/i.exec(text);
  if (hours) return { seconds: Math.round(Number(hours[1].replace(',', '.')) * 3600) };
  return parseDuration(text);
}
