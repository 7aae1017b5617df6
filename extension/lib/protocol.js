// The wire protocol's names, mirrored from bridge/core/protocol.py (a Python test
// compares the two, so keep these plain frozen objects of strings).

export const MESSAGE_TYPES = Object.freeze({
  HELLO: 'hello',
  WELCOME: 'welcome',
  EVENT: 'event',
  SNAPSHOT: 'snapshot',
  PING: 'ping',
  PONG: 'pong',
  ERROR: 'error',
  AUTH: 'auth',
});

export const EVENT_NAMES = Object.freeze({
  TIMER_STARTED: 'timer.started',
  TIMER_PAUSED: 'timer.paused',
  TIMER_RESUMED: 'timer.resumed',
  TIMER_STOPPED: 'timer.stopped',
  ENTRY_CREATED: 'entry.created',
  ENTRY_UPDATED: 'entry.updated',
  ENTRY_DELETED: 'entry.deleted',
  ATTENDANCE_CLOCKED_IN: 'attendance.clocked_in',
  ATTENDANCE_CLOCKED_OUT: 'attendance.clocked_out',
  TASK_UPDATED: 'task.updated',
  PROJECT_UPDATED: 'project.updated',
});

export const ERROR_CODES = Object.freeze({
  INVALID_INPUT: 'invalid_input',
  INVALID_JSON: 'invalid_json',
  NAIVE_DATETIME: 'naive_datetime',
  DAY_LIMIT: 'day_limit',
  NOT_AUTHENTICATED: 'not_authenticated',
  INVALID_CREDENTIALS: 'invalid_credentials',
  INVALID_OTP: 'invalid_otp',
  OTP_REQUIRED: 'otp_required',
  API_TOKEN_DISABLED: 'api_token_disabled',
  TOKEN_EXPIRED: 'token_expired',
  TOKEN_EXPIRING: 'token_expiring',
  REFRESH_REUSED: 'refresh_reused',
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'not_found',
  CONFLICT: 'conflict',
  NO_TIMER: 'no_timer',
  TIMER_PAUSED: 'timer_paused',
  TIMER_RUNNING: 'timer_running',
  CLOCKED_IN: 'clocked_in',
  CLOCKED_OUT: 'clocked_out',
  TENANT_EXISTS: 'tenant_exists',
  USER_EXISTS: 'user_exists',
  IDEMPOTENCY_KEY_IN_FLIGHT: 'idempotency_key_in_flight',
  UNPROCESSABLE: 'unprocessable',
  IDEMPOTENCY_KEY_REUSED: 'idempotency_key_reused',
  BILLABLE_FROM_PROJECT: 'billable_from_project',
  UNTRACKABLE: 'untrackable',
  RATE_LIMITED: 'rate_limited',
  UNAVAILABLE: 'unavailable',
  METHOD_NOT_ALLOWED: 'method_not_allowed',
  TOO_LARGE: 'too_large',
  HTTP_ERROR: 'http_error',
  INTERNAL: 'internal',
});

export const TRACKABILITY_REASONS = Object.freeze({
  SUBTASK: 'subtask',
  MULTI_PROJECT: 'multi-project',
  NO_PROJECT: 'no-project',
  PROJECT_CLOSED: 'project-closed',
  TASK_LIMIT: 'task-limit',
  PROJECT_DISABLED: 'project-disabled',
});

/** Close code of the live socket for a bad or expired token. */
export const CLOSE_UNAUTHENTICATED = 4401;

/** Roles that may change billable flags and budgets (bridge/core/roles.py EDIT_BILLING). */
export const BILLING_EDITOR_ROLES = Object.freeze(['owner', 'admin', 'team_leader']);

/** Native-messaging host name of the agent (extension/lib/agent_protocol.md). */
export const AGENT_HOST_NAME = 'dev.taskclock.agent';
