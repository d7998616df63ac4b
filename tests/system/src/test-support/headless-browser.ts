import { chromium, type Browser } from "playwright-core";
import { requireBinary } from "@agent-runner/test-kit";

/**
 * Debian's Chromium, run headless as root on a 2-core CI box: no sandbox (root),
 * no GPU, and no background traffic (there is no internet to reach anyway).
 */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Launches Chromium through playwright-core (no browser download). Playwright
 * gives every launch a fresh temporary profile (--user-data-dir) and removes it
 * on close(), so nothing survives between tests.
 */
export async function launchHeadlessChromium(): Promise<Browser> {
  const executablePath = requireBinary("/usr/bin/chromium", "chromium");
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: 60_000 });
}
