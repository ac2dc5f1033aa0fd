import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * The system's Chromium (Debian's package): CHROMIUM_PATH, else the usual
 * paths. Never a downloaded build: this machine, CI and the developers'
 * install it with `apt-get install -y chromium`.
 */
export function findChromium(): string | null {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    console.warn(`CHROMIUM_PATH=${fromEnv} does not exist; looking for Chromium elsewhere`);
  }
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path)) ?? null;
}

export const chromiumPath = findChromium();

/**
 * `describe` when Chromium is installed; otherwise `describe.skip` with a
 * warning, so that the rest of the suite still runs without a browser —
 * unless CHROMIUM_REQUIRED is set (CI), where a missing browser fails.
 */
export const describeInChromium: jest.Describe = chromiumPath
  ? describe
  : process.env.CHROMIUM_REQUIRED
    ? (() => {
        throw new Error('CHROMIUM_REQUIRED is set but no Chromium was found (CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser)');
      })()
  : (() => {
      console.warn('Chromium not installed, the browser specs are skipped: apt-get install -y chromium (or set CHROMIUM_PATH)');
      return describe.skip;
    })();

export function launchChromium(): Promise<Browser> {
  if (!chromiumPath) throw new Error('Chromium not installed: apt-get install -y chromium');
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
