// The panel's entry rows: read view with edit and delete (delete asks for a confirm
// click), and the edit form (same inputs as the add form, then save).

import { formatEditable, formatHoursMinutes, parseDuration } from '../lib/duration.js';
import { t } from '../lib/i18n.js';
import { el, setText } from './dom.js';

export function renderEntryRow(doc, entry, { onEdit, onDelete }) {
  const row = el(doc, 'li', { 'data-entry-id': entry.id, 'data-seconds': entry.duration_seconds });
  const edit = el(doc, 'button', { type: 'button', 'data-action': 'edit', text: t('entryEdit') });
  const remove = el(doc, 'button', { type: 'button', 'data-action': 'delete', text: t('entryDelete') });
  const actions = el(doc, 'span', { class: 'row' }, [edit, remove]);
  row.append(
    el(doc, 'div', { class: 'entry-line' }, [
      el(doc, 'span', { 'data-role': 'entry-date', text: entry.date }),
      el(doc, 'strong', { 'data-role': 'entry-duration', text: formatHoursMinutes(entry.duration_seconds) }),
      entry.notes ? el(doc, 'span', { class: 'entry-notes', 'data-role': 'entry-notes', text: entry.notes }) : null,
    ]),
    actions,
  );
  edit.addEventListener('click', () => onEdit(row));
  remove.addEventListener('click', () => {
    const confirm = el(doc, 'button', { type: 'button', 'data-action': 'confirm', text: t('entryConfirmDelete') });
    const cancel = el(doc, 'button', { type: 'button', 'data-action': 'cancel', text: t('entryCancel') });
    confirm.addEventListener('click', () => onDelete(entry.id));
    cancel.addEventListener('click', () => actions.replaceChildren(edit, remove));
    actions.replaceChildren(el(doc, 'span', { text: t('entryDeleteQuestion') }), confirm, cancel);
    confirm.focus();
  });
  return row;
}

export function renderEntryEditor(doc, entry, { onSave, onCancel }) {
  const date = el(doc, 'input', { name: 'date', type: 'date', value: entry.date, required: true });
  const duration = el(doc, 'input', { name: 'duration', type: 'text', value: formatEditable(entry.duration_seconds), autocomplete: 'off' });
  const notes = el(doc, 'input', { name: 'notes', type: 'text', maxlength: '2000', value: entry.notes ?? '', autocomplete: 'off' });
  const error = el(doc, 'p', { class: 'error', role: 'alert' });
  const save = el(doc, 'button', { type: 'button', 'data-action': 'save', text: t('entrySave') });
  const cancel = el(doc, 'button', { type: 'button', 'data-action': 'cancel', text: t('entryCancel') });
  const row = el(doc, 'li', { 'data-entry-id': entry.id, class: 'entry-edit', 'data-editing': '' }, [
    el(doc, 'label', {}, [t('fieldDate'), date]),
    el(doc, 'label', {}, [t('fieldDuration'), duration]),
    el(doc, 'label', {}, [t('fieldNotes'), notes]),
    el(doc, 'span', { class: 'row' }, [save, cancel]),
    error,
  ]);
  save.addEventListener('click', () => {
    const parsed = parseDuration(duration.value);
    if (parsed.error) return setText(error, t(parsed.error));
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date.value)) return setText(error, t('date_invalid'));
    setText(error, '');
    return onSave({ date: date.value, duration_seconds: parsed.seconds, notes: notes.value.trim() }, error);
  });
  cancel.addEventListener('click', () => onCancel());
  row.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && event.target?.tagName === 'INPUT') {
      event.preventDefault();
      save.click();
    }
  });
  setTimeout(() => duration.focus(), 0);
  return row;
}
