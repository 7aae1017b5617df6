// protocol.js mirrors bridge/core/protocol.py: read the Python tuples and compare.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODES, EVENT_NAMES, MESSAGE_TYPES, TRACKABILITY_REASONS } from '../../extension/lib/protocol.js';

const python = readFileSync(new URL('../../bridge/core/protocol.py', import.meta.url), 'utf8');
const trackability = readFileSync(new URL('../../bridge/core/trackability.py', import.meta.url), 'utf8');

function pythonTuple(source, name) {
  const match = new RegExp(`^${name}\\s*=\\s*\\(([^)]*)\\)`, 'm').exec(source);
  assert.ok(match, `${name} in protocol.py`);
  return [...match[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
}

test('message types, event names and error codes match the relay', () => {
  assert.deepEqual(Object.values(MESSAGE_TYPES).sort(), pythonTuple(python, 'MESSAGE_TYPES').sort());
  assert.deepEqual(Object.values(EVENT_NAMES).sort(), pythonTuple(python, 'EVENT_NAMES').sort());
  assert.deepEqual(Object.values(ERROR_CODES).sort(), pythonTuple(python, 'ERROR_CODES').sort());
  assert.equal(Object.values(EVENT_NAMES).length, 11);
});

test('trackability reasons match the domain core', () => {
  const constants = Object.fromEntries([...trackability.matchAll(/^([A-Z_]+) = "([a-z-]+)"$/gm)].map((m) => [m[1], m[2]]));
  const names = /^REASONS = \(([^)]*)\)/m.exec(trackability)[1].split(',').map((s) => s.trim()).filter(Boolean);
  assert.deepEqual(Object.values(TRACKABILITY_REASONS).sort(), names.map((n) => constants[n]).sort());
});
