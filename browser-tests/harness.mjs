// Ring 4's harness: the site from the environment, Debian's Chromium through playwright-core, screenshots per
// step, bounded timeouts everywhere, and webhooks sent from Node.
//
// Environment (as `scripts/wp-env.sh env` prints it, plus WPF_ARTIFACTS):
//   WPF_SITE_URL, WPF_SANDBOX_URL, WPF_ADMIN_PASSWORD_FILE (the user is `admin`), WPF_ARTIFACTS (screenshots;
//   created), WPF_CHROMIUM (optional, [/usr/bin/chromium]).

import { mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

/** Longest a whole file of steps may take; the watchdog ends the process a little after it. */
export const SUITE_TIMEOUT_MS = 120_000;
/** Longest one step may take. */
export const STEP_TIMEOUT_MS = 45_000;
/** Default for every Playwright action and assertion wait, and for each webhook sent from Node. */
export const ACTION_TIMEOUT_MS = 10_000;
export const NAVIGATION_TIMEOUT_MS = 20_000;

// The flags this machine needs (see the README's ring 4): without the background-networking ones Chromium keeps
// trying to reach Google's hosts through a closed network. playwright-core launches with a new, empty profile
// directory of its own (it refuses --user-data-dir in `args`) and removes it on close.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The site's settings from the environment; throws naming what is missing. */
export async function siteFromEnv(env = process.env) {
  const missing = ['WPF_SITE_URL', 'WPF_SANDBOX_URL', 'WPF_ADMIN_PASSWORD_FILE'].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(`missing environment: ${missing.join(', ')} (eval "$(scripts/wp-env.sh env)" first)`);
  }
  const password = (await readFile(env.WPF_ADMIN_PASSWORD_FILE, 'utf8')).trim();
  if (password === '') throw new Error(`${env.WPF_ADMIN_PASSWORD_FILE} is empty`);
  const artifacts = path.resolve(env.WPF_ARTIFACTS || path.join(tmpdir(), 'wpf-browser-artifacts'));
  await mkdir(artifacts, { recursive: true });
  return {
    url: env.WPF_SITE_URL.replace(/\/+$/, ''),
    origin: new URL(env.WPF_SITE_URL).origin,
    sandboxUrl: env.WPF_SANDBOX_URL.replace(/\/+$/, ''),
    user: 'admin',
    password,
    artifacts,
    chromium: env.WPF_CHROMIUM || '/usr/bin/chromium',
  };
}

/**
 * Starts Chromium and one context for the site, with clipboard permissions for the site's origin.
 * Returns { browser, context, page, close }; `close` never takes more than a few seconds.
 */
export async function openBrowser(site) {
  const browser = await chromium.launch({
    executablePath: site.chromium,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
  try {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.origin });
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
    const page = await context.newPage();
    const close = async () => {
      await withTimeout(browser.close(), 10_000, 'closing the browser').catch(() => {});
    };
    return { browser, context, page, close };
  } catch (error) {
    await withTimeout(browser.close(), 10_000, 'closing the browser').catch(() => {});
    throw error;
  }
}

/** A promise that rejects after `ms` (the timer never keeps the process alive). */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Ends the process if it is still running `ms` from now: a hung browser or hook must not hang CI. Exiting makes
 * playwright-core kill the browser it launched.
 */
export function watchdog(ms) {
  const timer = setTimeout(() => {
    process.stderr.write(`browser tests: still running after ${ms} ms, exiting\n`);
    process.exit(124);
  }, ms);
  timer.unref();
}

/** `NN-step-name.png` in the artifacts directory. */
export function screenshotPath(site, number, name, suffix = '') {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return path.join(site.artifacts, `${String(number).padStart(2, '0')}-${slug}${suffix}.png`);
}

/** A full-page screenshot; a failure to take it is reported, not thrown. */
export async function screenshot(page, file) {
  try {
    await page.screenshot({ path: file, fullPage: true, timeout: ACTION_TIMEOUT_MS });
    return file;
  } catch (error) {
    process.stderr.write(`screenshot ${file} failed: ${error.message}\n`);
    return null;
  }
}

/** A screenshot of one element (e.g. a section at a phone's width); a failure to take it is reported, not thrown. */
export async function screenshotOf(locator, file) {
  try {
    await locator.screenshot({ path: file, timeout: ACTION_TIMEOUT_MS });
    return file;
  } catch (error) {
    process.stderr.write(`screenshot ${file} failed: ${error.message}\n`);
    return null;
  }
}

/**
 * Sends a webhook from Node: POST, JSON body, extra headers, bounded. Returns { status, json, text }.
 */
export async function sendWebhook(url, body, { timeoutMs = ACTION_TIMEOUT_MS, headers = {} } = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
    body: JSON.stringify(body),
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON: the assertion shows the text.
  }
  return { status: response.status, json, text };
}

/**
 * Has the sandbox CRM send a webhook to the site (`POST /_sandbox/webhooks`), signed as `order.sign` says
 * (`customerio`, `standard_webhooks` or `none`) with `order.secret`. Returns the site's answer as sendWebhook()
 * does, with `sent`: the headers the sandbox sent.
 */
export async function sendFromSandbox(site, order, { timeoutMs = ACTION_TIMEOUT_MS } = {}) {
  const control = await sendWebhook(`${site.sandboxUrl}/_sandbox/webhooks`, order, { timeoutMs });
  if (control.status !== 200 || !control.json) {
    throw new Error(`the sandbox did not send the webhook: ${describeAnswer(control)}`);
  }
  let json = null;
  try {
    json = JSON.parse(control.json.body);
  } catch {
    // Not JSON: the assertion shows the text.
  }
  return { status: control.json.status, json, text: control.json.body, sent: control.json.sent };
}

/** A short, secret-free description of a webhook answer for assertion messages. */
export function describeAnswer(answer) {
  return `HTTP ${answer.status}: ${answer.json ? JSON.stringify(answer.json) : answer.text.slice(0, 300)}`;
}
