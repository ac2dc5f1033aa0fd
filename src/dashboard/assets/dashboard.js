// @ts-check
// The sessions dashboard: "my devices" for the signed-in person and, for
// those the admin routes accept, a look-up of any user's sessions. Plain
// ES modules, no framework, under a strict CSP (scripts from this origin
// only, no inline code, requests to this origin only). This file starts it;
// each view has its own module.

import { forgetLegacyTokens } from './dashboard-auth.js';
import { config } from './dashboard-config.js';
import { notify, refreshRelativeTimes } from './dashboard-dom.js';
import { openDashboard } from './layout.view.js';
import { renderSignIn } from './sign-in.view.js';

const tokenWasInAddress = forgetLegacyTokens();
setInterval(refreshRelativeTimes, 30_000);
if (config.browserSessions) void openDashboard();
else renderSignIn({});
if (tokenWasInAddress) {
  notify('A token in the page\'s address is not accepted (the browser keeps addresses in its history); it was discarded.', 'error');
}
