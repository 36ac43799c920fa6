// Ring 4: the plugin's wp-admin screens in a real browser (Debian's Chromium driven by playwright-core).
//
// One site, one browser context, steps in order; each step saves a full-page screenshot
// (WPF_ARTIFACTS/NN-step-name.png, or NN-step-name-failed.png when it fails). A step whose prerequisite step did
// not pass is skipped, naming it. Needs a fresh site: step 4 expects the sandbox's jane@example.com to have no
// WordPress user yet.
//
//   eval "$(WPF_RUN=… scripts/wp-env.sh env)" && WPF_ARTIFACTS=/tmp/shots node --test browser-tests/

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ACTION_TIMEOUT_MS,
  NAVIGATION_TIMEOUT_MS,
  STEP_TIMEOUT_MS,
  SUITE_TIMEOUT_MS,
  describeAnswer,
  openBrowser,
  screenshot,
  screenshotOf,
  screenshotPath,
  sendFromSandbox,
  sendWebhook,
  siteFromEnv,
  watchdog,
} from './harness.mjs';

watchdog(SUITE_TIMEOUT_MS);

const SETTINGS_PATH = '/wp-admin/options-general.php?page=wpf-webhooks';
const LOG_PATH = '/wp-admin/tools.php?page=wpf-webhooks-log';
const OPTION = 'wpf_webhooks_settings';
const JANE = { email: 'jane@example.com' };
/** The Customer.io webhook signing key step 10 sets on the page and signs with (the sandbox's own is not used). */
const CIO_SIGNING_KEY = 'browser-cio-signing-key-Q7x2';

/** State shared by the steps. */
const s = {
  site: null,
  browser: null,
  page: null,
  setupError: null,
  passed: new Set(),
  pageErrors: [],
  oldAddUrl: null,
  oldKey: null,
  newAddUrl: null,
  newKey: null,
  dialogs: [],
  dismissDialogs: false,
};

/** The settings form's field `wpf_webhooks_settings[KEY]`. */
const field = (key) => s.page.locator(`#wpf-webhooks-settings [name="${OPTION}[${key}]"]`);

/** Goes to a path of the site and waits for it to load. */
async function open(pathAndQuery) {
  const response = await s.page.goto(s.site.url + pathAndQuery, { waitUntil: 'load' });
  assert.ok(response, `no response for ${pathAndQuery}`);
  assert.ok(response.status() < 400, `${pathAndQuery} answered HTTP ${response.status()}`);
}

/** Clicks something that submits a form and waits for the page it leads to. */
async function submitAndWait(locator, urlPattern) {
  await Promise.all([s.page.waitForURL(urlPattern, { waitUntil: 'load', timeout: NAVIGATION_TIMEOUT_MS }), locator.click()]);
}

/** Opens the settings page's "Advanced" section if it is closed. */
async function openAdvanced() {
  const details = s.page.locator('details#wpf-advanced');
  await details.waitFor({ state: 'attached' });
  if (!(await details.evaluate((d) => d.open))) {
    await details.locator('summary').click();
  }
  assert.equal(await details.evaluate((d) => d.open), true, '#wpf-advanced did not open');
}

/** Clicks a copy button and returns what it put on the clipboard (cleared first, polled until written). */
async function copyWith(button) {
  await s.page.evaluate(() => navigator.clipboard.writeText(''));
  await button.click();
  const deadline = Date.now() + 5_000;
  for (;;) {
    const text = await s.page.evaluate(() => navigator.clipboard.readText());
    if (text !== '') return text;
    assert.ok(Date.now() < deadline, 'the copy button put nothing on the clipboard within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The copy button that follows the webhook URL input of `action`, that input, and the URL it copies in full. */
async function webhookUrl(action) {
  const input = s.page.locator(`input.wpf-webhook-url[data-action="${action}"]`);
  assert.equal(await input.count(), 1, `one input.wpf-webhook-url[data-action="${action}"]`);
  const button = s.page.locator(`input.wpf-webhook-url[data-action="${action}"] + button.wpf-copy`);
  assert.equal(await button.count(), 1, `a button.wpf-copy after the "${action}" URL`);
  return { input, button, value: await input.getAttribute('data-url') };
}

/** Clicks Test connection and waits for its result, shown without a reload. */
async function testConnection() {
  const result = s.page.locator('#wpf-connection-result');
  await s.page.locator('#wpf-test-connection').click();
  await result.waitFor({ state: 'visible' });
  await s.page.locator('#wpf-test-connection:not([disabled])').waitFor();
  return result;
}

/**
 * A second browser context, logged in as the first one is (its cookies), with `options` (e.g. no JavaScript);
 * the caller closes it.
 */
async function otherContext(options = {}) {
  const context = await s.browser.browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
    storageState: await s.browser.context.storageState(),
    ...options,
  });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
  return context;
}

/** Opens a path of the site in another page and waits for it to load. */
async function openIn(page, pathAndQuery) {
  const response = await page.goto(s.site.url + pathAndQuery, { waitUntil: 'load' });
  assert.ok(response && response.status() < 400, `${pathAndQuery} answered HTTP ${response?.status()}`);
}

/** The copy message (a live region) beside a Copy button. */
const copyStatus = (button) => button.locator('xpath=following-sibling::*[contains(concat(" ", @class, " "), " wpf-copy-status ")][1]');

/** Asserts that an element is a polite live region, in the page and shown (not hidden, not display:none). */
async function assertLiveRegion(locator, what) {
  const state = await locator.evaluate((el) => ({
    role: el.getAttribute('role'),
    live: el.getAttribute('aria-live'),
    hidden: el.hidden || el.closest('[hidden]') !== null,
    display: getComputedStyle(el).display,
  }));
  assert.deepEqual([state.role, state.live, state.hidden], ['status', 'polite', false], `${what} is a polite live region, not hidden`);
  assert.notEqual(state.display, 'none', `${what} is not display:none`);
}

/** Asserts that a chart has no broken drawing: no NaN, no negative or non-numeric size. */
async function assertChartsDrawn() {
  const html = await s.page.locator('.wpf-webhooks-charts').innerHTML();
  assert.ok(!/NaN|Infinity|undefined/.test(html), 'no NaN, Infinity or undefined in the charts');
  const bad = await s.page.locator('.wpf-webhooks-chart svg[role="img"] > rect').evaluateAll((rects) =>
    rects.map((r) => [r.getAttribute('y'), r.getAttribute('height')]).filter(([y, h]) => !(Number(y) >= 0 && Number(h) > 0 && Number(y) + Number(h) <= 100.01)),
  );
  assert.deepEqual(bad, [], 'every bar segment within the drawing');
}

/** Asserts that the page fits a 375 px wide screen: nothing in the settings page is wider than the window. */
async function assertFitsPhone() {
  const wider = await s.page.evaluate(() =>
    [...document.querySelectorAll('#wpbody-content input:not([type=hidden]), #wpbody-content select, #wpbody-content pre, #wpbody-content button')]
      .filter((el) => el.offsetParent !== null && el.getBoundingClientRect().right > window.innerWidth + 1)
      .map((el) => `${el.tagName.toLowerCase()}#${el.id || el.name || el.className}`),
  );
  assert.deepEqual(wider, [], 'wider than a 375 px screen');
}

/** The access_key parameter of a webhook URL. */
const keyOf = (url) => new URL(url).searchParams.get('access_key');

/** Asserts that the current page's HTML contains neither the old nor the new access key. */
async function assertNoKeyOnPage(where) {
  const html = await s.page.content();
  for (const [name, key] of [['old', s.oldKey], ['new', s.newKey]]) {
    assert.ok(key && key.length >= 16, `the ${name} key is known`);
    assert.ok(!html.includes(key), `${where} shows the ${name} full access key`);
  }
}

/**
 * Reports the page's uncaught script errors of a step, once per message. Not failures: the test site's
 * WordPress build (WordPress Playground's) lacks most of core's static scripts, so core's own scripts fail.
 */
function reportPageErrors(t, messages) {
  const counts = new Map();
  for (const message of messages) counts.set(message, (counts.get(message) ?? 0) + 1);
  for (const [message, count] of counts) t.diagnostic(`page error${count > 1 ? ` (${count}×)` : ''}: ${message}`);
}

/** Screenshots an element at 1280 px, then at 375 px, and goes back to 1280 px. */
async function screenshotOfBothWidths(locator, number, name) {
  await screenshotOf(locator, screenshotPath(s.site, number, name));
  await s.page.setViewportSize({ width: 375, height: 800 });
  await screenshotOf(locator, screenshotPath(s.site, number, name, '-375px'));
  await s.page.setViewportSize({ width: 1280, height: 900 });
}

/**
 * One step: skipped when a step it needs did not pass; a screenshot after it, `-failed` when it failed.
 */
function step(number, name, needs, fn) {
  const title = `${String(number).padStart(2, '0')} ${name}`;
  it(title, { timeout: STEP_TIMEOUT_MS }, async (t) => {
    if (!s.page) {
      // The first step reports why there is no browser; the others are skipped.
      if (needs.length === 0) throw new Error(`no browser: ${s.setupError?.message ?? 'setup did not run'}`);
      t.skip('no browser');
      return;
    }
    const missing = needs.filter((n) => !s.passed.has(n));
    if (missing.length > 0) {
      t.skip(`needs step ${missing.join(', ')}`);
      return;
    }
    const errorsBefore = s.pageErrors.length;
    try {
      await fn(t);
    } catch (error) {
      reportPageErrors(t, s.pageErrors.slice(errorsBefore));
      const file = await screenshot(s.page, screenshotPath(s.site, number, name, '-failed'));
      if (file) t.diagnostic(`screenshot: ${file}`);
      throw error;
    }
    reportPageErrors(t, s.pageErrors.slice(errorsBefore));
    await screenshot(s.page, screenshotPath(s.site, number, name));
    s.passed.add(number);
  });
}

describe('wp-admin in Chromium', { timeout: SUITE_TIMEOUT_MS - 5_000 }, () => {
  // A failing `before` would only mark the steps "cancelled", without its error: keep the error for step 1.
  before(async () => {
    try {
      s.site = await siteFromEnv();
      s.browser = await openBrowser(s.site);
      s.page = s.browser.page;
      s.page.on('pageerror', (error) => s.pageErrors.push(error.message));
      s.page.on('dialog', (dialog) => {
        s.dialogs.push(dialog.message());
        (s.dismissDialogs ? dialog.dismiss() : dialog.accept()).catch(() => {});
      });
    } catch (error) {
      s.setupError = error;
    }
  });

  after(async () => {
    if (s.browser) await s.browser.close();
  });

  step(1, 'log in', [], async () => {
    await open('/wp-login.php');
    await s.page.locator('#user_login').fill(s.site.user);
    await s.page.locator('#user_pass').fill(s.site.password);
    await submitAndWait(s.page.locator('#wp-submit'), /\/wp-admin\/(index\.php)?$/);
    await s.page.locator('#wpadminbar').waitFor();
    await s.page.locator('#dashboard-widgets-wrap').waitFor();
  });

  step(2, 'save settings', [1], async () => {
    const menu = s.page.locator('#menu-settings a[href$="options-general.php?page=wpf-webhooks"]');
    assert.equal(await menu.count(), 1, 'Settings → Webhooks is in the admin menu');
    assert.equal((await menu.textContent()).trim(), 'Webhooks');
    await open(SETTINGS_PATH);
    await s.page.locator('#wpf-webhooks-settings').waitFor();
    assert.match(await s.page.locator('#wpf-webhooks-settings').getAttribute('action'), /\/wp-admin\/options\.php$/);

    // Only the chosen CRM's settings and help show; choosing another switches them without a reload.
    const shown = async (key) => field(key).isVisible();
    const help = (crm) => s.page.locator(`[data-crm="${crm}"] pre.wpf-webhook-body`);
    for (const [crm, mine, theirs] of [
      ['customerly', 'customerly_token', 'customerio_app_key'],
      ['customerio', 'customerio_app_key', 'customerly_token'],
    ]) {
      await field('crm').selectOption(crm);
      assert.equal(await shown(mine), true, `${mine} shows once ${crm} is chosen`);
      assert.equal(await shown(theirs), false, `${theirs} is hidden once ${crm} is chosen`);
      assert.equal(await help(crm).isVisible(), true, `${crm}'s webhook help shows`);
    }
    assert.equal(await help('customerly').isVisible(), false, "Customerly's webhook help is hidden");
    await field('customerio_app_key').fill('sandbox-app-key');
    await field('customerio_site_id').fill('sandbox-site-id');
    await field('customerio_track_key').fill('sandbox-track-key');
    await openAdvanced();
    const appUrl = `${s.site.sandboxUrl}/customerio/us/app/v1`;
    const trackUrl = `${s.site.sandboxUrl}/customerio/us/track/api/v1`;
    await field('customerio_app_url').fill(appUrl);
    await field('customerio_track_url').fill(trackUrl);
    await field('return_password_field').fill('wp_password');
    await submitAndWait(s.page.locator('#submit'), /[?&]settings-updated=/);
    const saved = s.page.locator('#setting-error-settings_updated');
    await saved.waitFor();
    assert.match(await saved.innerText(), /Settings saved\./);
    assert.equal(await s.page.locator('.notice-error, .settings-error.error').count(), 0, 'no error notice');

    await open(SETTINGS_PATH);
    await s.page.locator('#wpf-webhooks-settings').waitFor();
    const masked = { customerio_app_key: '••••-key', customerio_site_id: '••••e-id', customerio_track_key: '••••-key' };
    for (const [key, placeholder] of Object.entries(masked)) {
      assert.equal(await field(key).inputValue(), '', `${key}: the saved credential is not printed back`);
      assert.equal(await field(key).getAttribute('placeholder'), placeholder, `${key}: masked placeholder`);
    }
    assert.equal(await field('crm').inputValue(), 'customerio');
    assert.equal(await field('customerio_app_url').inputValue(), appUrl);
    assert.equal(await field('customerio_track_url').inputValue(), trackUrl);
    assert.equal(await field('return_password_field').inputValue(), 'wp_password');
  });

  step(3, 'copy the add url', [1], async () => {
    if (!s.page.url().includes('page=wpf-webhooks')) await open(SETTINGS_PATH);
    for (const action of ['test', 'add', 'update', 'update_tags', 'add-notify']) {
      const { value } = await webhookUrl(action);
      const url = new URL(value);
      assert.equal(url.origin, s.site.origin, `${action} URL is on the site`);
      assert.equal(url.searchParams.get('wpf_action'), action === 'add-notify' ? 'add' : action, `${action} URL`);
      if (action === 'add-notify') assert.equal(url.searchParams.get('send_notification'), 'true');
    }
    const body = await s.page.locator('[data-crm="customerio"] pre.wpf-webhook-body').innerText();
    assert.doesNotThrow(() => JSON.parse(body), `the webhook body is JSON: ${body}`);

    const add = await webhookUrl('add');
    const copied = await copyWith(add.button);
    assert.equal(copied, add.value, 'the clipboard holds the add URL');
    assert.ok(copied.includes('wpf_action=add&access_key='), `add URL: ${copied.replace(/access_key=[^&]*/, 'access_key=…')}`);
    s.oldAddUrl = copied;
    s.oldKey = keyOf(copied);
    assert.ok(s.oldKey && s.oldKey.length >= 16, 'the add URL carries the full key');

    // The access key: shown masked, copied in full.
    const shown = await s.page.locator('#wpf-access-key').inputValue();
    assert.ok(!shown.includes(s.oldKey), '#wpf-access-key shows the key masked');
    assert.equal(await s.page.locator('#wpf-access-key').getAttribute('readonly'), '', '#wpf-access-key is readonly');
    assert.equal(await copyWith(s.page.locator('#wpf-copy-key')), s.oldKey, '#wpf-copy-key copies the full key');
  });

  // Before step 4 no webhook was logged on the fresh site (the webhook URL check and test webhooks log rows too):
  // the charts' empty state.
  step(40, 'charts before any webhook', [1], async () => {
    await open(LOG_PATH);
    const charts = s.page.locator('.wpf-webhooks-chart');
    assert.equal(await charts.count(), 2);
    assert.equal(await s.page.locator('table.wp-list-table tr[data-log-id]').count(), 0, 'the log is empty: this step must run before the first webhook');
    assert.equal((await charts.nth(0).locator('.wpf-webhooks-chart-empty').innerText()).trim(), 'No webhook in the last 24 hours.');
    assert.equal((await charts.nth(1).locator('.wpf-webhooks-chart-empty').innerText()).trim(), 'No webhook in the last 30 days.');
    assert.equal(await s.page.locator('.wpf-webhooks-chart svg, .wpf-webhooks-chart details').count(), 0, 'no empty drawing, no empty table');
    await assertChartsDrawn();
    await screenshotOfBothWidths(s.page.locator('.wpf-webhooks-charts'), 40, 'charts empty');
  });

  step(4, 'add webhook creates jane', [2, 3], async () => {
    const answer = await sendWebhook(s.oldAddUrl, JANE);
    assert.equal(answer.json?.code, 'created', describeAnswer(answer));
    assert.equal(answer.status, 200, describeAnswer(answer));
  });

  step(41, 'charts of a single webhook', [4, 40], async () => {
    await open(LOG_PATH);
    const charts = s.page.locator('.wpf-webhooks-chart');
    assert.equal(await s.page.locator('table.wp-list-table tr[data-log-id]').count(), 1, 'one webhook logged: step 4\'s');
    await assertChartsDrawn();
    for (let i = 0; i < 2; i++) {
      const chart = charts.nth(i);
      const bars = chart.locator('svg[role="img"] > rect');
      assert.equal(await bars.count(), 1, 'one bar segment');
      assert.equal(await bars.first().getAttribute('height'), '100', 'the tallest bar fills the height');
      assert.match(await bars.first().getAttribute('fill'), /^url\(#[\w-]+-success\)$/, 'filled with the success pattern');
      assert.equal((await chart.locator('.wpf-webhooks-chart-legend').innerText()).trim(), '1 success');
      assert.match(await chart.locator('.wpf-webhooks-chart-axis').innerText(), /tallest bar: 1 webhook\b/);
      const details = chart.locator('details.wpf-webhooks-chart-table');
      assert.equal(await details.locator('table').isVisible(), false, 'the table is closed at first');
      await details.locator('summary').click();
      assert.deepEqual((await details.locator('thead th').allInnerTexts()).map((t) => t.trim()), [i === 0 ? 'Hour' : 'Day', 'Success', 'Total']);
      assert.deepEqual((await details.locator('tbody tr td').allInnerTexts()).map((t) => t.trim()), ['1', '1'], 'one success, one in all');
    }
    await screenshotOfBothWidths(s.page.locator('.wpf-webhooks-charts'), 41, 'charts single webhook');
    await s.page.setViewportSize({ width: 375, height: 800 });
    const width = await s.page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `the opened tables fit the phone (${width} px)`);
    await s.page.setViewportSize({ width: 1280, height: 900 });
    await open(SETTINGS_PATH); // The steps after it expect the settings page (the log's URL has "page=wpf-webhooks" in it too).
  });

  step(5, 'test connection', [2], async () => {
    if (!s.page.url().includes('page=wpf-webhooks')) await open(SETTINGS_PATH);
    const region = s.page.locator('#wpf-connection-result');
    assert.equal(await region.count(), 1, 'the result region is in the page from the start');
    await assertLiveRegion(region, '#wpf-connection-result');
    // Every state the region goes through while the test runs: never hidden while it has text.
    await region.evaluate((el) => {
      window.wpfRegionStates = [];
      new MutationObserver(() =>
        window.wpfRegionStates.push({ text: el.textContent, hidden: el.hidden, display: getComputedStyle(el).display }),
      ).observe(el, { attributes: true, childList: true, subtree: true, characterData: true });
    });
    const result = await testConnection();
    const classes = (await result.getAttribute('class')) ?? '';
    assert.ok(classes.split(/\s+/).includes('notice-success'), `#wpf-connection-result is "${classes}": ${await result.innerText()}`);
    const states = await s.page.evaluate(() => window.wpfRegionStates);
    assert.ok(states.some((state) => /Track API credentials work|works?/i.test(state.text)), `the result was put in the region: ${JSON.stringify(states)}`);
    assert.deepEqual(states.filter((state) => state.text !== '' && (state.hidden || state.display === 'none')), [], 'never hidden while its text is set');
    await assertLiveRegion(region, '#wpf-connection-result after a test');
  });

  step(6, 'regenerate the key', [3, 4], async () => {
    // A webhook queued with the old key, left to WP-Cron (the test site's X-Test-Queue-Only): step 9 discards it.
    const queued = await sendWebhook(`${s.oldAddUrl}&async=true`, JANE, { headers: { 'X-Test-Queue-Only': '1' } });
    assert.equal(queued.json?.code, 'queued', `an async webhook with the old key: ${describeAnswer(queued)}`);
    if (!s.page.url().includes('page=wpf-webhooks')) await open(SETTINGS_PATH);
    await submitAndWait(s.page.locator('#wpf-regenerate-key'), /page=wpf-webhooks/);
    await s.page.locator('#wpf-key-regenerated').waitFor();

    const old = await sendWebhook(s.oldAddUrl, JANE);
    assert.equal(old.status, 403, `the old add URL: ${describeAnswer(old)}`);
    assert.equal(old.json?.code, 'forbidden', `the old add URL: ${describeAnswer(old)}`);

    const add = await webhookUrl('add');
    const copied = await copyWith(add.button);
    assert.equal(copied, add.value, 'the clipboard holds the new add URL');
    s.newAddUrl = copied;
    s.newKey = keyOf(copied);
    assert.ok(s.newKey && s.newKey.length >= 16, 'the new add URL carries the full key');
    assert.notEqual(s.newKey, s.oldKey, 'the key changed');
    const answer = await sendWebhook(s.newAddUrl, JANE);
    assert.equal(answer.json?.code, 'updated', `the new add URL: ${describeAnswer(answer)}`);
    assert.equal(answer.status, 200, describeAnswer(answer));
  });

  step(7, 'webhook log', [6], async () => {
    const menu = s.page.locator('#menu-tools a[href$="tools.php?page=wpf-webhooks-log"]');
    assert.equal(await menu.count(), 1, 'Tools → Webhook Logs is in the admin menu');
    assert.equal((await menu.textContent()).trim(), 'Webhook Logs');
    await open(LOG_PATH);
    await s.page.locator('table.wp-list-table').waitFor();
    const rows = s.page.locator('table.wp-list-table tr[data-log-id]');
    const count = await rows.count();
    assert.ok(count >= 2, `the log lists the webhooks (${count} rows)`);
    const newest = [];
    for (let i = 0; i < 2; i++) {
      const row = rows.nth(i);
      newest.push({ id: await row.getAttribute('data-log-id'), code: (await row.locator('td.column-code').innerText()).trim() });
    }
    const has = (code) => newest.find((row) => new RegExp(`\\b${code}\\b`).test(row.code));
    assert.ok(has('updated'), `the newest rows include "updated": ${JSON.stringify(newest)}`);
    assert.ok(!has('forbidden'), `a refused request has no row: ${JSON.stringify(newest)}`);
    const refused = s.page.locator('.wpf-webhooks-refused');
    assert.equal(await refused.count(), 1, 'the refused requests of the last 24 hours are shown above the list');
    assert.match(await refused.innerText(), /a wrong or missing access key × \d+/, 'the old add URL is counted');
    await assertNoKeyOnPage('the log list');
    await screenshot(s.page, screenshotPath(s.site, 7, 'webhook log list'));

    const updated = has('updated');
    const link = s.page.locator(`table.wp-list-table tr[data-log-id="${updated.id}"] a[href*="log=${updated.id}"]`).first();
    assert.equal(await link.count(), 1, `a detail link to log=${updated.id} in its row`);
    await Promise.all([s.page.waitForURL(new RegExp(`[?&]log=${updated.id}(&|$)`), { waitUntil: 'load' }), link.click()]);
    assert.match(await s.page.locator('#wpbody-content').innerText(), /updated/, 'the detail view shows the result');
    await assertNoKeyOnPage(`the detail view of log ${updated.id}`);
  });

  step(8, 'invalid input', [2], async () => {
    await open(SETTINGS_PATH);
    await s.page.locator('#wpf-webhooks-settings').waitFor();
    await openAdvanced();
    const trackUrl = await field('customerio_track_url').inputValue();
    await field('customerio_app_url').fill('not a url');
    const browserCheck = await field('customerio_app_url').evaluate((input) => ({
      type: input.type,
      valid: input.checkValidity(),
      message: input.validationMessage,
    }));
    assert.ok(
      browserCheck.valid,
      `the browser itself refuses "not a url" (input type="${browserCheck.type}": ${browserCheck.message}), so the ` +
        'form never reaches the server; the UI spec has a text input and a server-side error notice',
    );
    await submitAndWait(s.page.locator('#submit'), /[?&]settings-updated=/);
    await s.page.locator('.notice-error, .settings-error.error').first().waitFor();

    assert.equal(await field('crm').inputValue(), 'customerio', 'the CRM is kept');
    assert.equal(await field('customerio_app_key').getAttribute('placeholder'), '••••-key', 'the App API key is kept');
    assert.equal(await field('customerio_site_id').getAttribute('placeholder'), '••••e-id', 'the site id is kept');
    assert.equal(await field('customerio_track_key').getAttribute('placeholder'), '••••-key', 'the track key is kept');
    assert.equal(await field('customerio_track_url').inputValue(), trackUrl, 'the Track URL is kept');
    assert.equal(await field('return_password_field').inputValue(), 'wp_password', 'the Return Password field is kept');
  });

  step(9, 'discard webhooks queued with the old key', [6], async () => {
    await open(SETTINGS_PATH);
    const offer = s.page.locator('#wpf-old-key-jobs');
    await offer.waitFor();
    assert.match(await offer.innerText(), /1 queued webhook was accepted with the previous access key/);
    assert.equal(await s.page.locator('#wpf-keep-old-jobs').count(), 1, 'keeping them is offered too');
    await screenshot(s.page, screenshotPath(s.site, 9, 'old-key jobs offered'));
    const dialog = s.page.waitForEvent('dialog');
    await submitAndWait(s.page.locator('#wpf-discard-old-jobs'), /[?&]wpf-notice=old-jobs-discarded/);
    assert.match((await dialog).message(), /^Discard 1 queued webhook\? It will not be processed/, 'a confirmation first');
    assert.match(await s.page.locator('#wpf-old-jobs-result').innerText(), /1 queued webhook accepted with the previous access key was discarded/);
    assert.equal(await offer.count(), 0, 'not offered again');
  });

  step(10, 'set the signing key, send a signed webhook, see verified in the log', [6], async () => {
    await open(SETTINGS_PATH);
    await s.page.locator('#wpf-webhooks-settings').waitFor();
    assert.match(await s.page.locator('#wpf-last-signature').innerText(), /The last webhook \(.+ ago\) was not signed\./);
    const requireBox = field('require_signature');
    assert.equal(await requireBox.isDisabled(), true, 'Require signed webhooks waits for a signing secret');
    await screenshotOf(s.page.locator('#wpf-signatures'), screenshotPath(s.site, 10, 'signed webhooks section before'));
    const key = field('customerio_signing_key');
    assert.equal(await key.isVisible(), true, 'the signing key is among the chosen CRM\'s settings');
    assert.match(await key.locator('xpath=ancestor::tr[1]').innerText(), /Customer\.io webhook signing key[\s\S]*Webhook Signing Key/, 'with where to find it');
    await key.fill(CIO_SIGNING_KEY);
    assert.equal(await requireBox.isDisabled(), false, 'typing a signing secret allows requiring signatures');
    await submitAndWait(s.page.locator('#submit'), /[?&]settings-updated=/);
    await s.page.locator('#setting-error-settings_updated').waitFor();
    assert.equal(await s.page.locator('.notice-error, .settings-error.error').count(), 0, 'no error notice');
    assert.equal(await key.inputValue(), '', 'the saved signing key is not printed back');
    assert.equal(await key.getAttribute('placeholder'), `••••${CIO_SIGNING_KEY.slice(-4)}`, 'masked placeholder');
    assert.ok(!(await s.page.content()).includes(CIO_SIGNING_KEY), 'the page never shows the signing key');

    const answer = await sendFromSandbox(s.site, { url: s.newAddUrl, body: JSON.stringify(JANE), sign: 'customerio', secret: CIO_SIGNING_KEY });
    assert.equal(answer.json?.code, 'updated', `a webhook signed with the key: ${describeAnswer(answer)}`);
    assert.ok(answer.sent['x-cio-signature'], 'the sandbox signed it');

    await open(LOG_PATH);
    const newest = s.page.locator('table.wp-list-table tr[data-log-id]').first();
    await newest.waitFor();
    assert.equal((await newest.locator('td.column-signature').innerText()).trim(), 'Verified (Customer.io)');
    assert.match(await newest.locator('td.column-code').innerText(), /\bupdated\b/);
    const headers = (await s.page.locator('table.wp-list-table thead th').allInnerTexts()).map((t) => t.trim());
    assert.ok(headers.includes('Signature'), `a Signature column: ${JSON.stringify(headers)}`);
    await s.page.locator('#wpf-webhooks-log-signature').selectOption('verified');
    await submitAndWait(s.page.locator('#wpf-webhooks-log-filter'), /[?&]signature=verified/);
    const verified = s.page.locator('table.wp-list-table tr[data-log-id]');
    assert.equal(await verified.count(), 1, 'the filter keeps the verified webhook only');
    await s.page.setViewportSize({ width: 375, height: 800 });
    await screenshot(s.page, screenshotPath(s.site, 10, 'signature filter', '-375px'));
    await s.page.setViewportSize({ width: 1280, height: 900 });
    await screenshot(s.page, screenshotPath(s.site, 10, 'signature filter'));

    await open(SETTINGS_PATH);
    assert.match(await s.page.locator('#wpf-last-signature').innerText(), /The last webhook \(.+ ago\) was signed and verified \(Customer\.io\)\./);
    assert.equal(await requireBox.isDisabled(), false, 'signatures can be required now');
    await screenshotOf(s.page.locator('#wpf-signatures'), screenshotPath(s.site, 10, 'signed webhooks section'));
    await s.page.setViewportSize({ width: 375, height: 800 });
    await screenshotOf(s.page.locator('#wpf-signatures'), screenshotPath(s.site, 10, 'signed webhooks section', '-375px'));
    await s.page.setViewportSize({ width: 1280, height: 900 });
  });

  step(11, 'check the webhook url', [6], async () => {
    await open(SETTINGS_PATH);
    const button = s.page.locator('#wpf-check-reachability');
    assert.equal((await button.innerText()).trim(), 'Check the webhook URL');
    // The site requests its own webhook URL: this page's php-fpm worker waits for another one to answer it.
    await submitAndWait(button, /[?&]wpf-notice=reachability/);
    const result = s.page.locator('#wpf-reachability-result');
    await result.waitFor();
    const text = await result.innerText();
    const classes = (await result.getAttribute('class')) ?? '';
    assert.ok(classes.split(/\s+/).includes('notice-success'), `#wpf-reachability-result is "${classes}": ${text}`);
    assert.match(text, /The webhook URL reaches WordPress\n[\s\S]*was answered 200 ok by the plugin/);
    assert.match(text, new RegExp(`access_key=••••${s.newKey.slice(-4)}\\b`), 'the URL checked, its key masked');
    assert.doesNotMatch(text, /docs\/|\.md\b/, 'no file of the source repository, which a site owner cannot open');
    assert.ok(!(await result.innerHTML()).includes(s.newKey), 'the result never shows the access key');
    await screenshotOf(result, screenshotPath(s.site, 11, 'webhook url result'));
    await s.page.setViewportSize({ width: 375, height: 800 });
    await screenshotOf(result, screenshotPath(s.site, 11, 'webhook url result', '-375px'));
    await screenshot(s.page, screenshotPath(s.site, 11, 'check the webhook url', '-375px'));
    await s.page.setViewportSize({ width: 1280, height: 900 });
  });

  step(12, 'a staging copy: the notice, then this is the real site now', [1], async () => {
    const production = 'https://shop.example.com';
    const copied = await s.page.request.get(`${s.site.url}/`, { headers: { 'X-WPF-Test-Staging-Recorded': production } });
    assert.equal(copied.status(), 200, 'the database now says it was set up at another URL');
    await open('/wp-admin/');
    const notice = s.page.locator('.notice', { hasText: 'staging copy' });
    await notice.waitFor();
    assert.match(await notice.innerText(), new RegExp(`set up at ${production.replace(/\./g, '\\.')} and this site is at ${s.site.url.replace(/\./g, '\\.')}`));
    await screenshotOf(notice, screenshotPath(s.site, 12, 'staging notice'));
    await s.page.setViewportSize({ width: 375, height: 800 });
    await screenshot(s.page, screenshotPath(s.site, 12, 'staging notice', '-375px'));
    await s.page.setViewportSize({ width: 1280, height: 900 });
    await open('/wp-admin/site-health.php');
    await s.page.locator('.health-check-accordion', { hasText: 'staging copy' }).first().waitFor({ timeout: 20_000 });
    await screenshot(s.page, screenshotPath(s.site, 12, 'site health says so'));

    await open(SETTINGS_PATH);
    await submitAndWait(s.page.getByRole('button', { name: 'This is the real site now' }), /page=wpf-webhooks/);
    assert.equal(await s.page.locator('.notice', { hasText: 'staging copy' }).count(), 0, 'the notice is gone');
    await screenshot(s.page, screenshotPath(s.site, 12, 'the real site'));
  });

  step(13, 'the log tells a failed webhook from a successful one', [6], async () => {
    const failed = await sendWebhook(s.newAddUrl.replace('wpf_action=add', 'wpf_action=update_tags'), { email: 'nobody@example.com' });
    assert.equal(failed.json?.code, 'contact_not_found', describeAnswer(failed));
    await open(LOG_PATH);
    const rows = s.page.locator('table.wp-list-table tr[data-log-id]');
    const newest = rows.first();
    assert.match(await newest.locator('td.column-contact').innerText(), /nobody@example\.com/, 'the contact of a failed webhook');
    assert.equal((await newest.locator('td.column-code .wpf-webhooks-outcome').innerText()).trim(), 'Client error');
    assert.match(await newest.locator('td.column-message').innerText(), /\S/, 'why it failed');
    const success = rows.filter({ has: s.page.locator('td.column-code .wpf-webhooks-outcome-success') }).first();
    assert.equal((await success.locator('td.column-code .wpf-webhooks-outcome').innerText()).trim(), 'Success');
    const colours = await Promise.all([newest, success].map((row) => row.locator('td.column-code .wpf-webhooks-outcome').evaluate((e) => getComputedStyle(e).borderLeftColor)));
    assert.notEqual(colours[0], colours[1], 'and by colour');
    assert.equal(await s.page.locator('a', { hasText: 'Settings → Webhooks' }).count(), 1, 'a link to the settings');
    await assertNoKeyOnPage('the log list');
    await screenshot(s.page, screenshotPath(s.site, 13, 'log failed and successful'));
    await s.page.setViewportSize({ width: 375, height: 800 });
    const width = await s.page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `nothing wider than the phone (${width} px)`);
    assert.equal(await s.page.locator('#wpf-webhooks-log-errors').isVisible(), true, 'the filters on a phone too');
    assert.equal(await newest.locator('td.column-time .wpf-webhooks-outcome').isVisible(), true, 'the outcome beside the time on a phone');
    await screenshot(s.page, screenshotPath(s.site, 13, 'log failed and successful', '-375px'));
    await s.page.setViewportSize({ width: 1280, height: 900 });
  });

  step(14, 'errors only', [13], async () => {
    await s.page.locator('#wpf-webhooks-log-errors').check();
    await submitAndWait(s.page.locator('#wpf-webhooks-log-filter'), /[?&]errors=1/);
    const outcomes = await s.page.locator('table.wp-list-table tr[data-log-id] td.column-code .wpf-webhooks-outcome').allInnerTexts();
    assert.ok(outcomes.length >= 1, 'the failed webhook is listed');
    assert.ok(!outcomes.includes('Success'), `errors only: ${outcomes.join(', ')}`);
    assert.equal(await s.page.locator('#wpf-webhooks-log-errors').isChecked(), true);
  });

  step(15, 'charts of webhooks per hour and per day', [13], async () => {
    await open(LOG_PATH);
    const charts = s.page.locator('.wpf-webhooks-chart');
    assert.equal(await charts.count(), 2);
    for (let i = 0; i < 2; i++) {
      assert.equal(await charts.nth(i).locator('svg[role="img"] rect').count() > 0, true, 'bars');
      assert.match(await charts.nth(i).locator('.wpf-webhooks-chart-legend').innerText(), /\d+ success(es)?/);
      assert.match(await charts.nth(i).locator('.wpf-webhooks-chart-legend').innerText(), /\d+ client errors?/);
      // Told apart without colour: each outcome its pattern, the same in the bars and the legend.
      const fills = await charts.nth(i).locator('svg[role="img"] > rect').evaluateAll((rects) => [...new Set(rects.map((r) => r.getAttribute('fill')))]);
      const swatches = await charts.nth(i).locator('.wpf-webhooks-chart-legend svg rect').evaluateAll((rects) => rects.map((r) => r.getAttribute('fill')));
      assert.deepEqual([...fills].sort(), [...swatches].sort(), 'the legend shows the bars\' patterns');
      assert.equal(swatches.length, 2, `two outcomes, two patterns: ${swatches.join(', ')}`);
      for (const fill of swatches) {
        assert.equal(await s.page.locator(`pattern#${fill.slice(5, -1)}`).count(), 1, `${fill} is defined`);
      }
    }
    await assertChartsDrawn();
    // The numbers for the keyboard: the summary is focusable and opens the table.
    const summary = charts.nth(0).locator('details.wpf-webhooks-chart-table summary');
    await summary.focus();
    await s.page.keyboard.press('Enter');
    const table = charts.nth(0).locator('details.wpf-webhooks-chart-table table');
    await table.waitFor({ state: 'visible' });
    const headers = (await table.locator('thead th').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(headers, ['Hour', 'Success', 'Client error', 'Total']);
    assert.ok((await table.locator('tbody tr').count()) >= 1, 'a row for this hour');
    await screenshotOf(s.page.locator('.wpf-webhooks-charts'), screenshotPath(s.site, 15, 'charts'));
    await s.page.setViewportSize({ width: 375, height: 800 });
    await screenshotOf(s.page.locator('.wpf-webhooks-charts'), screenshotPath(s.site, 15, 'charts', '-375px'));
    await s.page.setViewportSize({ width: 1280, height: 900 });
  });

  step(16, 'export the filtered log as csv', [14], async () => {
    await open(`${LOG_PATH}&errors=1`);
    const [download] = await Promise.all([s.page.waitForEvent('download'), s.page.locator('a', { hasText: 'Export CSV' }).click()]);
    const file = await download.path();
    const { readFile } = await import('node:fs/promises');
    const csv = await readFile(file, 'utf8');
    const lines = csv.trim().split('\n');
    assert.equal(lines[0], 'ID,Time,Action,Contact,Outcome,Result,"HTTP status",Signature,"Duration (ms)","User ID","Delivery key","Queue job",Message,Warnings,"Request (redacted)"');
    assert.ok(lines.length >= 2, 'the failed webhook');
    assert.ok(!csv.includes(',Success,'), 'errors only, as the screen');
    assert.ok(csv.includes('nobody@example.com'));
    for (const key of [s.oldKey, s.newKey]) assert.ok(!csv.includes(key), 'no access key in the export');
  });

  step(17, 'a failed queued webhook has its retry button in its detail', [6], async () => {
    const queued = await sendWebhook(`${s.newAddUrl.replace('wpf_action=add', 'wpf_action=update')}&async=true`, { email: 'nobody-queued@example.com' });
    assert.equal(queued.json?.code, 'queued', describeAnswer(queued));
    await open(`${LOG_PATH}&s=nobody-queued`);
    let arrival = null;
    for (let tries = 0; tries < 20 && !arrival; tries++) {
      if ((await s.page.locator('.wpf-webhooks-failed-jobs').count()) > 0) {
        arrival = s.page.locator('table.wp-list-table tr[data-log-id]', { hasText: 'contact_not_found' }).first();
      } else {
        await new Promise((resolve) => setTimeout(resolve, 500));
        await open(`${LOG_PATH}&s=nobody-queued`);
      }
    }
    assert.ok(arrival, 'the queued webhook failed');
    const id = await arrival.getAttribute('data-log-id');
    await open(`${LOG_PATH}&log=${id}`);
    const retry = s.page.locator('.wpf-webhooks-entry-retry');
    assert.match(await retry.innerText(), /failed \(contact_not_found/);
    assert.match(await s.page.locator('.wpf-webhooks-log-entry').innerText(), /Client error/);
    await screenshot(s.page, screenshotPath(s.site, 17, 'failed job detail'));
    await s.page.setViewportSize({ width: 375, height: 800 });
    await screenshot(s.page, screenshotPath(s.site, 17, 'failed job detail', '-375px'));
    await s.page.setViewportSize({ width: 1280, height: 900 });
    await submitAndWait(retry.locator('input[type="submit"]'), /[?&]retried=1/);
    assert.match(await s.page.locator('.notice-success').first().innerText(), /1 queued webhook will be tried again/);
  });

  step(18, 'site health names the failed webhooks in words, as advice, linked to the log', [13], async () => {
    await open('/wp-admin/site-health.php');
    const trigger = s.page.locator('#health-check-site-status-recommended .health-check-accordion-trigger', { hasText: /webhooks? failed in the last 24 hours/ });
    await trigger.waitFor({ timeout: 20_000 });
    assert.equal(await s.page.locator('#health-check-site-status-critical .health-check-accordion-trigger', { hasText: /failed in the last 24 hours/ }).count(), 0, 'advice, not critical');
    await trigger.click();
    const panel = s.page.locator('#health-check-accordion-block-wpf_webhooks_failures');
    await panel.waitFor();
    assert.match(await panel.innerText(), /\d+ × The CRM has no such contact\. \(contact_not_found\)/, 'each result in words, with its count');
    await screenshotOfBothWidths(s.page.locator('#health-check-site-status-recommended'), 18, 'site health failures');
    await submitAndWait(panel.getByRole('link', { name: /The CRM has no such contact\./ }), /result=contact_not_found/);
    const codes = await s.page.locator('table.wp-list-table tr[data-log-id] td.column-code code').allInnerTexts();
    assert.ok(codes.length > 0, 'the log, filtered to them');
    assert.deepEqual([...new Set(codes)], ['contact_not_found']);
  });

  step(20, 'the settings page in setup order, at 1280 and 375 px', [2], async () => {
    await open(SETTINGS_PATH);
    const top = async (selector) => (await s.page.locator(selector).first().boundingBox())?.y;
    const order = ['#wpf-crm', `[name="${OPTION}[customerio_app_key]"]`, '#wpf-test-connection', 'input.wpf-webhook-url', '[data-crm="customerio"] pre.wpf-webhook-body'];
    const ys = [];
    for (const selector of order) ys.push(await top(selector));
    assert.deepEqual([...ys].sort((a, b) => a - b), ys, `CRM, credentials, Test connection, URLs, body: ${ys.join(', ')}`);
    const log = s.page.locator('#wpf-log-link a');
    assert.match(await log.getAttribute('href'), /tools\.php\?page=wpf-webhooks-log$/, 'a link to Tools → Webhook Logs');
    await openAdvanced();
    const fits = await s.page.locator('#wpf-log_max_rows').evaluate((input) => {
      const probe = document.createElement('span');
      probe.style.font = getComputedStyle(input).font;
      probe.textContent = '10000';
      document.body.appendChild(probe);
      const text = probe.getBoundingClientRect().width;
      probe.remove();
      return { text, room: input.clientWidth };
    });
    assert.ok(fits.room >= fits.text + 30, `10000 (${fits.text} px) and the spinner fit the log limit (${fits.room} px)`);
    await screenshot(s.page, screenshotPath(s.site, 20, 'settings page'));
    await s.page.setViewportSize({ width: 375, height: 800 });
    await assertFitsPhone();
    await screenshotOf(s.page.locator('#wpf-field-map'), screenshotPath(s.site, 20, 'field map', '-375px'));
    await screenshot(s.page, screenshotPath(s.site, 20, 'settings page', '-375px'));
    await s.page.setViewportSize({ width: 1280, height: 900 });
  });

  step(21, 'show and hide the key, copy says copied', [6], async () => {
    await open(SETTINGS_PATH);
    const key = s.page.locator('#wpf-access-key');
    const add = await webhookUrl('add');
    const masked = `••••${s.newKey.slice(-4)}`;
    assert.equal(await key.inputValue(), masked, 'the key is masked');
    assert.ok((await add.input.inputValue()).endsWith(`access_key=${masked}`), 'the URL is shown with the key masked');
    const status = copyStatus(add.button);
    await assertLiveRegion(status, 'the add URL\'s copy message');
    assert.equal((await status.innerText()).trim(), '', 'no message before Copy');
    assert.equal(await copyWith(add.button), s.newAddUrl, 'Copy copies the real URL while it is hidden');
    await s.page.waitForFunction((el) => el.textContent.trim() === 'Copied', await status.elementHandle(), { timeout: 5_000 });
    await assertLiveRegion(status, 'the add URL\'s copy message, once said');
    assert.equal((await add.button.innerText()).trim(), 'Copy', 'the button keeps its name');
    await assertLiveRegion(copyStatus(s.page.locator('#wpf-copy-key')), 'the key\'s copy message');
    await copyWith(s.page.locator('#wpf-copy-key'));
    await s.page.waitForFunction((el) => el.textContent.trim() === 'Copied', await copyStatus(s.page.locator('#wpf-copy-key')).elementHandle(), { timeout: 5_000 });
    assert.equal((await status.innerText()).trim(), '', 'one message at a time');
    const show = s.page.locator('#wpf-show-key');
    await show.click();
    assert.equal(await key.inputValue(), s.newKey, 'Show shows the key');
    assert.equal(await add.input.inputValue(), s.newAddUrl, 'and the URLs in full');
    assert.equal((await show.innerText()).trim(), 'Hide');
    await screenshotOf(s.page.locator('#wpf-urls + table'), screenshotPath(s.site, 21, 'key shown'));
    await show.click();
    assert.equal(await key.inputValue(), masked, 'Hide masks it again');
    await s.page.setViewportSize({ width: 375, height: 800 });
    await add.button.click();
    await s.page.waitForFunction((el) => el.textContent.trim() === 'Copied', await status.elementHandle(), { timeout: 5_000 });
    await screenshotOf(s.page.locator('#wpf-urls + table'), screenshotPath(s.site, 21, 'copied', '-375px'));
    await s.page.setViewportSize({ width: 1280, height: 900 });
  });

  step(27, 'copy without the clipboard api (a plain-http admin)', [6], async () => {
    const context = await otherContext();
    try {
      // No navigator.clipboard, as on a plain-HTTP admin; execCommand('copy') recorded, and refused on demand.
      await context.addInitScript(() => {
        Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined, configurable: true });
        window.wpfCopied = [];
        window.wpfRefuseCopy = false;
        const exec = Document.prototype.execCommand;
        Document.prototype.execCommand = function (command, ...rest) {
          return command === 'copy' && window.wpfRefuseCopy ? false : exec.call(this, command, ...rest);
        };
        document.addEventListener('copy', (event) => {
          const el = event.target;
          window.wpfCopied.push(el && 'selectionStart' in el ? el.value.slice(el.selectionStart, el.selectionEnd) : String(document.getSelection()));
        });
      });
      const page = await context.newPage();
      await openIn(page, SETTINGS_PATH);
      assert.equal(await page.evaluate(() => navigator.clipboard), undefined, 'no Clipboard API');
      const input = page.locator('input.wpf-webhook-url[data-action="add"]');
      const button = page.locator('input.wpf-webhook-url[data-action="add"] + button.wpf-copy');
      const status = copyStatus(button);
      const masked = await input.inputValue();
      await button.click();
      await page.waitForFunction((el) => el.textContent.trim() === 'Copied', await status.elementHandle(), { timeout: 5_000 });
      assert.deepEqual(await page.evaluate(() => window.wpfCopied), [s.newAddUrl], 'execCommand copied the real URL');
      assert.equal(await input.inputValue(), masked, 'the key stays masked on the page');
      assert.equal(await page.locator('textarea').count(), 0, 'nothing left behind');
      assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('wpf-copy')), true, 'the focus back on Copy');

      // execCommand refused too: the key is masked, so nothing is selected and the message says to Show it first.
      await page.evaluate(() => {
        window.wpfRefuseCopy = true;
      });
      await button.click();
      await page.waitForFunction((el) => /Press Show/.test(el.textContent), await status.elementHandle(), { timeout: 5_000 });
      assert.equal(await input.inputValue(), masked, 'still masked: the key is never shown without Show');
      await screenshotOf(page.locator('#wpf-urls + table'), screenshotPath(s.site, 27, 'copy refused, key masked'));
      // Shown: Copy selects the URL and says how to copy it.
      await page.locator('#wpf-show-key').click();
      await button.click();
      await page.waitForFunction((el) => /press Ctrl\+C/.test(el.textContent), await status.elementHandle(), { timeout: 5_000 });
      const selected = await input.evaluate((el) => ({ focused: document.activeElement === el, text: el.value.slice(el.selectionStart, el.selectionEnd) }));
      assert.deepEqual(selected, { focused: true, text: s.newAddUrl }, 'the URL is selected, to copy by hand');
      await assertLiveRegion(status, 'the copy message');
      await page.setViewportSize({ width: 375, height: 800 });
      await screenshotOf(page.locator('#wpf-urls + table'), screenshotPath(s.site, 27, 'copy refused, text selected', '-375px'));
      await page.setViewportSize({ width: 1280, height: 900 });
      await screenshotOf(page.locator('#wpf-urls + table'), screenshotPath(s.site, 27, 'copy refused, text selected'));
      const wider = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wider <= 1280, `nothing wider than the window (${wider} px)`);
    } finally {
      await context.close();
    }
  });

  step(22, 'the key in the X-WPF-Access-Key header', [6], async () => {
    await open(SETTINGS_PATH);
    await s.page.locator('#wpf-key-in input[value="header"]').check();
    const header = s.page.locator('#wpf-header');
    assert.equal(await header.isVisible(), true, 'the header to set is shown');
    assert.equal((await s.page.locator('#wpf-header-name').innerText()).trim(), 'X-WPF-Access-Key');
    const test = await webhookUrl('test');
    assert.ok(!(await test.input.inputValue()).includes('access_key'), 'the URL has no key');
    const copied = await copyWith(test.button);
    assert.ok(!copied.includes('access_key'), `the copied URL has no key: ${copied}`);
    const answer = await sendWebhook(copied, {}, { headers: { 'X-WPF-Access-Key': s.newKey } });
    assert.equal(answer.status, 200, `the copied URL with the header: ${describeAnswer(answer)}`);
    await screenshotOf(s.page.locator('#wpf-urls + table'), screenshotPath(s.site, 22, 'header variant'));
    await s.page.setViewportSize({ width: 375, height: 800 });
    await screenshotOf(s.page.locator('#wpf-urls + table'), screenshotPath(s.site, 22, 'header variant', '-375px'));
    await s.page.setViewportSize({ width: 1280, height: 900 });
    await s.page.locator('#wpf-key-in input[value="url"]').check();
    assert.ok((await test.input.inputValue()).includes('access_key='), 'back to the key in the URL');
  });

  step(23, 'regenerate asks first: dismissed, nothing changes', [6], async () => {
    await open(SETTINGS_PATH);
    const before = await s.page.locator('#wpf-access-key').getAttribute('data-copy');
    s.dialogs = [];
    s.dismissDialogs = true;
    try {
      await s.page.locator('#wpf-regenerate-key').click();
      await s.page.waitForTimeout(500);
    } finally {
      s.dismissDialogs = false;
    }
    assert.equal(s.dialogs.length, 1, 'one confirmation');
    assert.match(s.dialogs[0], /every journey/, `the confirmation: ${s.dialogs[0]}`);
    assert.ok(s.page.url().includes('page=wpf-webhooks') && !s.page.url().includes('wpf-notice'), 'no new page');
    await open(SETTINGS_PATH);
    assert.equal(await s.page.locator('#wpf-access-key').getAttribute('data-copy'), before, 'the key is unchanged');
    const answer = await sendWebhook(s.newAddUrl, JANE);
    assert.equal(answer.status, 200, `the current add URL still works: ${describeAnswer(answer)}`);
  });

  step(24, 'test connection with typed, unsaved credentials', [2], async () => {
    await open(SETTINGS_PATH);
    await field('customerio_app_key').fill('typed-wrong-key');
    let result = await testConnection();
    assert.ok((await result.getAttribute('class')).split(/\s+/).includes('notice-error'), `a wrong typed key: ${await result.innerText()}`);
    assert.ok(!(await result.innerText()).includes('typed-wrong-key'), 'the typed key is not echoed');
    await screenshotOf(s.page.locator('#wpf-test-connection').locator('xpath=ancestor::table[1]'), screenshotPath(s.site, 24, 'wrong typed key'));
    await field('customerio_app_key').fill('sandbox-app-key');
    result = await testConnection();
    assert.ok((await result.getAttribute('class')).split(/\s+/).includes('notice-success'), `the right typed key: ${await result.innerText()}`);
    await s.page.setViewportSize({ width: 375, height: 800 });
    await screenshotOf(s.page.locator('#wpf-test-connection').locator('xpath=ancestor::table[1]'), screenshotPath(s.site, 24, 'right typed key', '-375px'));
    await s.page.setViewportSize({ width: 1280, height: 900 });
    await open(SETTINGS_PATH);
    assert.equal(await field('customerio_app_key').getAttribute('placeholder'), '••••-key', 'nothing was saved');
  });

  step(28, 'test connection without javascript', [2], async () => {
    const context = await otherContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await openIn(page, SETTINGS_PATH);
      const key = page.locator(`#wpf-webhooks-settings [name="${OPTION}[customerio_app_key]"]`);
      const test = page.locator('#wpf-test-connection');
      const result = page.locator('#wpf-connection-result');
      await key.fill('typed-wrong-key-nojs');
      await Promise.all([page.waitForURL(/[?&]wpf-notice=connection/, { waitUntil: 'load' }), test.click()]);
      assert.ok(!page.url().includes('typed-wrong-key'), `the typed key is not in the URL: ${page.url()}`);
      await assertLiveRegion(result, '#wpf-connection-result without JavaScript');
      const text = await result.innerText();
      assert.ok((await result.getAttribute('class')).split(/\s+/).includes('notice-error'), `a wrong typed key: ${text}`);
      assert.match(text, /Tested the values you typed; they are not saved\./, 'says the typed values are gone');
      assert.ok(!(await page.content()).includes('typed-wrong-key'), 'the typed key is not on the page');
      assert.equal(await key.inputValue(), '', 'nor in its field');
      await screenshotOf(test.locator('xpath=ancestor::table[1]'), screenshotPath(s.site, 28, 'no javascript wrong typed key'));
      await key.fill('sandbox-app-key');
      await Promise.all([page.waitForURL(/[?&]wpf-notice=connection/, { waitUntil: 'load' }), test.click()]);
      assert.ok((await result.getAttribute('class')).split(/\s+/).includes('notice-success'), `the right typed key: ${await result.innerText()}`);
      await page.setViewportSize({ width: 375, height: 800 });
      await screenshotOf(test.locator('xpath=ancestor::table[1]'), screenshotPath(s.site, 28, 'no javascript right typed key', '-375px'));
      await screenshot(page, screenshotPath(s.site, 28, 'no javascript settings page', '-375px'));
      await page.setViewportSize({ width: 1280, height: 900 });
      await openIn(page, SETTINGS_PATH);
      assert.equal((await result.innerText()).trim(), '', 'the result is shown once');
      assert.equal(await key.getAttribute('placeholder'), '••••-key', 'nothing was saved');
      // Enter in a field still saves (the form's default button is Save, not Test connection).
      await page.locator(`#wpf-webhooks-settings [name="${OPTION}[return_password_field]"]`).press('Enter');
      await page.waitForURL(/[?&]settings-updated=/, { waitUntil: 'load' });
    } finally {
      await context.close();
    }
  });

  step(25, 'return password is one control', [2], async () => {
    await open(SETTINGS_PATH);
    const off = s.page.locator(`#wpf-return-password input[type=radio][value="0"]`);
    const on = s.page.locator('#wpf-return-password-on');
    assert.equal(await s.page.locator(`[name="${OPTION}[return_password]"][type=checkbox]`).count(), 0, 'no checkbox');
    assert.equal(await on.isChecked(), true, 'step 2 named the field: on');
    await off.check();
    await submitAndWait(s.page.locator('#submit'), /[?&]settings-updated=/);
    assert.equal(await off.isChecked(), true, 'off once saved');
    assert.equal(await field('return_password_field').inputValue(), '', 'and no field');
    await field('return_password_field').fill('wp_password');
    assert.equal(await on.isChecked(), true, 'typing a field chooses writing it');
    await screenshotOf(s.page.locator('#wpf-return-password'), screenshotPath(s.site, 25, 'return password'));
    await submitAndWait(s.page.locator('#submit'), /[?&]settings-updated=/);
    assert.equal(await on.isChecked(), true, 'on once saved');
    assert.equal(await field('return_password_field').inputValue(), 'wp_password');
  });

  step(26, 'the help tab', [1], async () => {
    await open(SETTINGS_PATH);
    await s.page.locator('#contextual-help-link').click();
    const panel = s.page.locator('#tab-panel-wpf-webhooks-setup');
    await panel.waitFor({ state: 'visible' });
    assert.match(await panel.innerText(), /Test connection/);
    await screenshot(s.page, screenshotPath(s.site, 26, 'help tab'));
    await s.page.setViewportSize({ width: 375, height: 800 });
    await screenshot(s.page, screenshotPath(s.site, 26, 'help tab', '-375px'));
    await s.page.setViewportSize({ width: 1280, height: 900 });
  });

  step(30, 'site health info: the wpf webhooks section', [6], async () => {
    await open('/wp-admin/site-health.php?tab=debug');
    const trigger = s.page.locator('button[aria-controls="health-check-accordion-block-wpf-webhooks"]');
    assert.equal((await trigger.innerText()).trim(), 'WPF Webhooks');
    await trigger.click();
    const panel = s.page.locator('#health-check-accordion-block-wpf-webhooks');
    await panel.waitFor();
    const text = await panel.innerText();
    for (const row of ['Plugin version', 'Extension', 'CRM\tCustomer.io', 'Customer.io App API key\tset', 'access_key\tset', 'Queued webhooks', 'Webhook log rows']) {
      assert.ok(text.includes(row), `the section has "${row}": ${text}`);
    }
    assert.match(text, /interface \d+, (release|debug) build/);
    await assertNoKeyOnPage('Site Health Info');
    await screenshotOfBothWidths(panel, 30, 'site health info section');
  });

  step(31, "a user's webhooks panel", [4], async () => {
    await open('/wp-admin/users.php?s=jane%40example.com');
    const edit = s.page.locator('table.users tr', { hasText: 'jane@example.com' }).locator('a[href*="user-edit.php"]').first();
    s.janeEditUrl = await edit.getAttribute('href');
    await open(new URL(s.janeEditUrl, s.site.url).pathname + new URL(s.janeEditUrl, s.site.url).search);
    const panel = s.page.locator('#wpf-webhooks-user');
    assert.match(await panel.innerText(), /CRM contact\s+jane@example\.com/);
    const last = s.page.locator('li[data-log-id]');
    assert.ok((await last.count()) >= 1, 'her last webhooks are listed');
    assert.match(await last.first().innerText(), /: (add|update), /);
    await screenshotOfBothWidths(panel, 31, 'webhooks panel');
  });

  step(32, 'the users list with the crm tags column turned on', [4], async () => {
    await open('/wp-admin/users.php');
    const column = s.page.locator('th#wpf_webhooks_tags');
    assert.equal(await column.isVisible(), false, 'hidden until Screen Options shows it');
    await s.page.locator('#show-settings-link').click();
    const toggle = s.page.locator('#wpf_webhooks_tags-hide');
    await toggle.waitFor();
    await toggle.check();
    await column.waitFor();
    await screenshot(s.page, screenshotPath(s.site, 32, 'users list with crm tags'));
    await open('/wp-admin/users.php');
    assert.equal(await s.page.locator('th#wpf_webhooks_tags').isVisible(), true, 'the choice is kept');
    await s.page.setViewportSize({ width: 375, height: 800 });
    // At phone width a row shows its other columns when opened.
    const jane = s.page.locator('table.users tbody tr', { hasText: 'jane@example.com' });
    await jane.locator('.toggle-row').click();
    await jane.locator('td.column-wpf_webhooks_tags').waitFor();
    await screenshot(s.page, screenshotPath(s.site, 32, 'users list with crm tags', '-375px'));
    await s.page.setViewportSize({ width: 1280, height: 900 });
  });

  step(33, "the plugins screen: the plugin's name and its settings link", [1], async () => {
    await open('/wp-admin/plugins.php');
    const row = s.page.locator('tr[data-plugin$="/wpf-webhooks.php"]');
    assert.equal((await row.locator('.plugin-title strong').innerText()).trim(), 'WPF Webhooks');
    assert.match(await row.innerText(), /By The wpf-webhooks maintainers/);
    const settings = row.locator('.row-actions .settings a');
    assert.equal((await settings.innerText()).trim(), 'Settings');
    assert.match(await settings.getAttribute('href'), /options-general\.php\?page=wpf-webhooks$/);
    await screenshotOfBothWidths(row, 33, 'plugins row');
    await settings.click();
    await s.page.waitForURL(/page=wpf-webhooks/);
  });
});
