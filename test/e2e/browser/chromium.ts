// Headless Chromium for the browser tests: Debian's package (CI installs it in .ci/run),
// driven by playwright-core, which never downloads a browser of its own.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const EXECUTABLE = '/usr/bin/chromium';

// --no-sandbox: the tests run as root. The network flags keep Chromium from calling
// Google's services, which a machine without Internet access refuses (slowly, many at a time).
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Playwright gives each launch a fresh temporary user-data-dir and removes it on close(). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(EXECUTABLE)) {
    throw new Error(`Chromium not found at ${EXECUTABLE}; install Debian's package: apt-get install chromium (.ci/run does so in CI)`);
  }
  return chromium.launch({ executablePath: EXECUTABLE, headless: true, args: ARGS });
}
