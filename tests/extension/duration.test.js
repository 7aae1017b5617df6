import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatClock, formatEditable, formatHoursMinutes, parseDuration } from '../../extension/lib/duration.js';

test('accepts the four documented forms', () => {
  assert.deepEqual(parseDuration('1:30'), { seconds: 5400 });
  assert.deepEqual(parseDuration('1h 30m'), { seconds: 5400 });
  assert.deepEqual(parseDuration('90m'), { seconds: 5400 });
  assert.deepEqual(parseDuration('1.5'), { seconds: 5400 });
});

test('accepts close variants people type', () => {
  assert.deepEqual(parseDuration(' 1h30m '), { seconds: 5400 });
  assert.deepEqual(parseDuration('1,5'), { seconds: 5400 });
  assert.deepEqual(parseDuration('2'), { seconds: 7200 });
  assert.deepEqual(parseDuration('45 min'), { seconds: 2700 });
  assert.deepEqual(parseDuration('0:45:30'), { seconds: 2730 });
  assert.deepEqual(parseDuration('1H 5M'), { seconds: 3900 });
  assert.deepEqual(parseDuration('2 Std'), { seconds: 7200 });
  assert.deepEqual(parseDuration('0.25'), { seconds: 900 });
});

test('explains what is wrong', () => {
  assert.deepEqual(parseDuration(''), { error: 'duration_empty' });
  assert.deepEqual(parseDuration('   '), { error: 'duration_empty' });
  assert.deepEqual(parseDuration('abc'), { error: 'duration_invalid' });
  assert.deepEqual(parseDuration('1:75'), { error: 'duration_invalid' });
  assert.deepEqual(parseDuration('1h 2h'), { error: 'duration_invalid' });
  assert.deepEqual(parseDuration('1x'), { error: 'duration_invalid' });
  assert.deepEqual(parseDuration('-1'), { error: 'duration_invalid' });
  assert.deepEqual(parseDuration('1h30'), { error: 'duration_invalid' });
  assert.deepEqual(parseDuration('0'), { error: 'duration_zero' });
  assert.deepEqual(parseDuration('0:00'), { error: 'duration_zero' });
  assert.deepEqual(parseDuration('25h'), { error: 'duration_too_long' });
  assert.deepEqual(parseDuration('24:01'), { error: 'duration_too_long' });
  assert.deepEqual(parseDuration('24'), { seconds: 86400 });
});

test('formats clocks and sums', () => {
  assert.equal(formatClock(0), '0:00:00');
  assert.equal(formatClock(3661), '1:01:01');
  assert.equal(formatClock(36000), '10:00:00');
  assert.equal(formatClock(-5), '0:00:00');
  assert.equal(formatHoursMinutes(5399), '1:29');
  assert.equal(formatHoursMinutes(5400), '1:30');
  assert.equal(formatHoursMinutes(90000), '25:00');
});

test('editable form reads back to the same seconds', () => {
  for (const seconds of [60, 5400, 5430, 86400, 1]) {
    assert.deepEqual(parseDuration(formatEditable(seconds)), { seconds });
  }
});
