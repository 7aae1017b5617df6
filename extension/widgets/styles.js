// Shadow-root styles: the page's CSS cannot reach in, ours cannot leak out. Colours
// follow the contract's meaning (red running, yellow today) with a dark variant chosen
// by the site's theme (data-theme="dark" on the host).

const COMMON = `
  :host { all: initial; font: 12px/1.2 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color-scheme: light; }
  :host([data-theme="dark"]) { color-scheme: dark; }
  button { font: inherit; cursor: pointer; }
  button:focus-visible, input:focus-visible, a:focus-visible, select:focus-visible { outline: 2px solid #0b66e4; outline-offset: 1px; }
  [hidden] { display: none !important; }
`;

export const TIMER_CSS = `${COMMON}
  /* Fixed box: the site's title never moves when the state or the time changes. */
  :host { display: inline-block; vertical-align: middle; width: 104px; height: 24px; margin: 0 4px; box-sizing: border-box; position: relative; }
  :host([data-variant="compact"]) { width: 64px; height: 20px; margin: 0 2px; }
  :host([data-placement="floating"]) { position: fixed; right: 16px; bottom: 16px; z-index: 2147483000; box-shadow: 0 2px 8px rgba(0,0,0,.3); border-radius: 12px; }
  .box { display: flex; width: 100%; height: 100%; border-radius: 12px; overflow: hidden; border: 1px solid #c9ced6; background: #fff; color: #1f2328; box-sizing: border-box; }
  :host([data-theme="dark"]) .box { background: #22272e; color: #e6edf3; border-color: #444c56; }
  button { border: 0; background: transparent; color: inherit; padding: 0 6px; height: 100%; }
  button[data-action="toggle"] { flex: 1; display: flex; align-items: center; gap: 4px; min-width: 0; font-variant-numeric: tabular-nums; white-space: nowrap; }
  button[data-action="details"] { border-left: 1px solid currentColor; opacity: .8; padding: 0 5px; }
  :host([data-variant="compact"]) button[data-action="details"] { display: none; }
  .dot { width: 8px; height: 8px; border-radius: 50%; background: #8c959f; flex: none; }
  :host([data-state="today"]) .box { background: #fff3bf; border-color: #e0b000; color: #4d3800; }
  :host([data-state="today"][data-theme="dark"]) .box { background: #5c4a00; border-color: #e0b000; color: #fff3bf; }
  :host([data-state="today"]) .dot { background: #e0b000; }
  :host([data-state="running"]) .box { background: #d63031; border-color: #b71c1c; color: #fff; }
  :host([data-state="running"]) .dot { background: #fff; }
  :host([data-state="paused"]) .box { background: #ffe3e3; border-color: #d63031; color: #7f1d1d; }
  :host([data-state="paused"][data-theme="dark"]) .box { background: #5c1f1f; color: #ffe3e3; }
  :host([data-state="paused"]) .dot { background: #d63031; }
  :host([data-state="blocked"]) .box, :host([data-state="signed-out"]) .box { opacity: .65; }
  :host([data-state="blocked"]) button[data-action="toggle"] { cursor: not-allowed; }
  .time { overflow: hidden; text-overflow: ellipsis; }
`;

export const ATTENDANCE_CSS = `${COMMON}
  :host { display: inline-block; vertical-align: middle; height: 24px; margin: 0 6px; }
  button { height: 24px; border-radius: 12px; border: 1px solid #c9ced6; background: #fff; color: #1f2328; padding: 0 8px; display: flex; align-items: center; gap: 4px; font-variant-numeric: tabular-nums; white-space: nowrap; }
  :host([data-theme="dark"]) button { background: #22272e; color: #e6edf3; border-color: #444c56; }
  .dot { width: 8px; height: 8px; border-radius: 50%; background: #8c959f; }
  :host([data-state="in"]) button { border-color: #2f9e44; }
  :host([data-state="in"]) .dot { background: #2f9e44; }
`;

export const PANEL_CSS = `${COMMON}
  :host { position: fixed; top: 64px; right: 16px; z-index: 2147483001; width: 340px; max-height: calc(100vh - 96px); }
  :host(:not([open])) { display: none; }
  .panel { background: #fff; color: #1f2328; border: 1px solid #c9ced6; border-radius: 8px; box-shadow: 0 8px 24px rgba(0,0,0,.25); padding: 12px; overflow: auto; max-height: inherit; box-sizing: border-box; }
  :host([data-theme="dark"]) .panel { background: #22272e; color: #e6edf3; border-color: #444c56; }
  header { display: flex; align-items: start; gap: 8px; margin-bottom: 8px; }
  h2 { font-size: 14px; margin: 0; flex: 1; overflow-wrap: anywhere; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: 4px 12px; margin: 0 0 8px; }
  dt { opacity: .75; } dd { margin: 0; font-variant-numeric: tabular-nums; }
  .bar { height: 6px; background: #e5e7eb; border-radius: 3px; overflow: hidden; }
  .bar > span { display: block; height: 100%; background: #2f9e44; }
  .bar.over > span { background: #d63031; }
  form, .entry-edit { display: grid; gap: 6px; margin: 8px 0; }
  label { display: grid; gap: 2px; }
  input, textarea { font: inherit; padding: 4px 6px; border: 1px solid #c9ced6; border-radius: 4px; background: inherit; color: inherit; }
  button { border: 1px solid #c9ced6; border-radius: 4px; background: #f6f8fa; color: #1f2328; padding: 3px 8px; }
  :host([data-theme="dark"]) button { background: #2d333b; color: #e6edf3; border-color: #444c56; }
  .error { color: #d63031; min-height: 1em; }
  :host([data-theme="dark"]) .error { color: #ff8787; }
  ul { list-style: none; padding: 0; margin: 8px 0; display: grid; gap: 6px; }
  li { border-top: 1px solid #e5e7eb; padding-top: 6px; }
  .entry-line { display: flex; gap: 6px; align-items: baseline; flex-wrap: wrap; }
  .entry-notes { flex-basis: 100%; opacity: .85; overflow-wrap: anywhere; }
  .row { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; }
  a { color: #0b66e4; } :host([data-theme="dark"]) a { color: #6cb6ff; }
`;
