/** Headless Chromium for driving code-server, through playwright-core and the system's browser. */
import * as fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Browsers tried in order when CHROMIUM_PATH is not set. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Flags that keep a headless run quiet and offline. */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** The browser executable: $CHROMIUM_PATH or a system Chromium; a clear error when none. */
export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  const found = CANDIDATES.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(
      `no Chromium found (looked at ${CANDIDATES.join(', ')}): install one ` +
        `(Debian: apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  return found;
}

/** Launches headless Chromium with a fresh profile. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ARGS,
  });
}
