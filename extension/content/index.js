// Content-script entry: runs on the three sites only (manifest matches), picks the
// site's adapter and starts the runtime. Site adapters are imported statically so the
// bundle is one self-contained script.

import { siteFor } from '../sites/index.js';
import { BackgroundLink } from './background_link.js';
import { ContentRuntime } from './runtime.js';

const site = siteFor(window.location);
if (site && !window.__taskclockContent) {
  window.__taskclockContent = true; // a re-injected script must not mount a second set
  let runtime = null;
  const link = new BackgroundLink({ onState: (state) => runtime?.setState(state) });
  runtime = new ContentRuntime({ window, site, link });
  runtime.start();
}
