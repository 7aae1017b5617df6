// Durations typed by people and shown to them. Seconds are integers everywhere.

export const MAX_ENTRY_SECONDS = 24 * 3600;

const UNIT_SECONDS = { h: 3600, m: 60, s: 1 };
const UNIT_ALIASES = {
  h: 'h', hr: 'h', hrs: 'h', hour: 'h', hours: 'h', std: 'h', stunde: 'h', stunden: 'h',
  m: 'm', min: 'm', mins: 'm', minute: 'm', minutes: 'm', minuten: 'm',
  s: 's', sec: 's', secs: 's', second: 's', seconds: 's', sek: 's', sekunden: 's',
};

/**
 * Parse what a person typed as a duration: `1:30`, `1:30:15`, `1h 30m`, `90m`, `1.5`
 * (hours, `1,5` too), `2` (hours). Returns `{seconds}` or `{error}` where error is one of
 * `duration_empty`, `duration_invalid`, `duration_zero`, `duration_too_long`; the
 * widgets turn the code into a translated message shown beside the field.
 */
export function parseDuration(text) {
  const input = String(text ?? '').trim().toLowerCase();
  if (input === '') return { error: 'duration_empty' };
  const seconds = parseClock(input) ?? parseUnits(input) ?? parseDecimalHours(input);
  if (seconds === null || !Number.isFinite(seconds)) return { error: 'duration_invalid' };
  if (seconds <= 0) return { error: 'duration_zero' };
  if (seconds > MAX_ENTRY_SECONDS) return { error: 'duration_too_long' };
  return { seconds };
}

function parseClock(input) {
  const match = /^(\d{1,2}):([0-5]\d)(?::([0-5]\d))?$/.exec(input);
  if (!match) return null;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3] ?? 0);
}

function parseUnits(input) {
  // One or more "<number><unit>" parts, in any spacing: "1h 30m", "1h30m", "90 min".
  const part = /(\d+(?:[.,]\d+)?)\s*([a-z]+)/y;
  let position = 0;
  let total = 0;
  const seen = new Set();
  while (position < input.length) {
    while (input[position] === ' ') position += 1;
    if (position >= input.length) break;
    part.lastIndex = position;
    const match = part.exec(input);
    if (!match) return null;
    const unit = UNIT_ALIASES[match[2]];
    if (!unit || seen.has(unit)) return null;
    seen.add(unit);
    total += Number(match[1].replace(',', '.')) * UNIT_SECONDS[unit];
    position = part.lastIndex;
  }
  return seen.size ? Math.round(total) : null;
}

function parseDecimalHours(input) {
  if (!/^\d+(?:[.,]\d+)?$/.test(input)) return null;
  return Math.round(Number(input.replace(',', '.')) * 3600);
}

/** `h:mm:ss` for a running clock (hours not padded, never negative). */
export function formatClock(totalSeconds) {
  const seconds = Math.max(0, Math.floor(Number(totalSeconds) || 0));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  return `${hours}:${String(minutes).padStart(2, '0')}:${String(rest).padStart(2, '0')}`;
}

/** `h:mm` for sums (seconds dropped, not rounded: the sum never shows more than was clocked). */
export function formatHoursMinutes(totalSeconds) {
  const seconds = Math.max(0, Math.floor(Number(totalSeconds) || 0));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return `${hours}:${String(minutes).padStart(2, '0')}`;
}

/** What the edit form shows for an existing entry, in a form parseDuration reads back. */
export function formatEditable(totalSeconds) {
  const seconds = Math.max(0, Math.floor(Number(totalSeconds) || 0));
  if (seconds % 60 === 0) return formatHoursMinutes(seconds);
  return formatClock(seconds);
}
