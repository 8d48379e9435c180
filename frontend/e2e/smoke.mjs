// Smoke path through the real portal, API and WAHA emulator in Debian's Chromium (not part of `npm test`).
//
//   1. start the emulator, the API and `vite` (see README), then
//   2. npm run e2e -w frontend
//
// Creates a fresh tenant through the API as the platform operator, then in the browser: signs in, links a phone
// (QR → emulator /emulator/scan → WORKING, live), sends a message and watches it in the log, receives a reply in
// the chat view, and signs out. Screenshots go to $SCREENSHOT_DIR (default /tmp).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const PORTAL = process.env.PORTAL_URL ?? 'http://127.0.0.1:5273';
const EMULATOR = process.env.EMULATOR_URL ?? 'http://127.0.0.1:3300';
const EMULATOR_KEY = process.env.WAHA_API_KEY ?? 'emulator-dev-key';
const PLATFORM_PASSWORD = process.env.PLATFORM_ADMIN_PASSWORD ?? 'Platform-Dev-Only-2024';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.SCREENSHOT_DIR ?? '/tmp';
const HEADLESS = process.env.HEADED ? [] : ['--headless'];

const stamp = Date.now().toString(36);
const tenant = {
  name: `Smoke ${stamp}`,
  slug: `smoke-${stamp}`,
  username: 'admin',
  password: 'Smoke-Test-Pass-42',
};
const phone = `49151${String(Date.now()).slice(-8)}`;
const recipient = '+4915112345678';
const text = `Smoke message ${stamp}`;

function step(message) {
  console.log(`• ${message}`);
}

async function call(url, { method = 'GET', body, token, headers = {} } = {}) {
  const response = await fetch(url, {
    method,
    headers: {
      ...(body ? { 'Content-Type': 'application/json' } : {}),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Error(`${method} ${url} → ${response.status} ${JSON.stringify(data)}`);
  return data;
}

async function createTenant() {
  const { accessToken } = await call(`${PORTAL}/api/auth/login`, {
    method: 'POST',
    body: { tenant: 'platform', username: 'platform', password: PLATFORM_PASSWORD },
  });
  await call(`${PORTAL}/api/tenants`, {
    method: 'POST',
    token: accessToken,
    body: {
      name: tenant.name,
      slug: tenant.slug,
      admin: { username: tenant.username, password: tenant.password },
    },
  });
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  step(`creating tenant ${tenant.slug} through the API`);
  await createTenant();

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...HEADLESS, '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const failures = [];
  let page;
  try {
    const context = await browser.newContext({
      viewport: { width: 1360, height: 860 },
      colorScheme: 'light',
    });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));
    page.on('console', (msg) => msg.type() === 'error' && console.log(`  [console] ${msg.text()}`));

    // The QR value the emulator wants is in the create answer and in later device.qr socket frames.
    let qrValue = null;
    let refreshToken = null;
    page.on('response', async (response) => {
      if (response.url().endsWith('/api/auth/login') && response.ok()) {
        refreshToken = (await response.json().catch(() => null))?.refreshToken ?? null;
      }
      if (response.request().method() === 'POST' && response.url().endsWith('/api/whatsapp/devices')) {
        qrValue = (await response.json().catch(() => null))?.qr?.value ?? qrValue;
      }
    });
    page.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => {
        const match = /^42(\[.*\])$/s.exec(String(payload));
        if (!match) return;
        const [event, data] = JSON.parse(match[1]);
        if (event === 'device.qr') qrValue = data.qr.value;
      }),
    );

    step('signing in');
    await page.goto(`${PORTAL}/login`);
    await page.screenshot({ path: join(SHOTS, 'portal-login.png') });
    await page.fill('input[name="tenant"]', tenant.slug);
    await page.fill('input[name="username"]', tenant.username);
    await page.fill('input[name="password"]', tenant.password);
    await page.click('[data-testid="login-submit"]');
    await page.waitForURL('**/devices');
    await page.getByText('Live', { exact: true }).waitFor();

    step('linking a phone');
    await page.click('[data-testid="link-phone"]');
    await page.fill('input[name="device-name"]', 'Smoke phone');
    await page.click('[data-testid="create-device"]');
    await page.waitForSelector('img[data-testid="qr-image"]');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, 'portal-qr.png') });
    if (!qrValue) throw new Error('no QR value seen');
    await call(`${EMULATOR}/emulator/scan`, {
      method: 'POST',
      headers: { 'X-Api-Key': EMULATOR_KEY },
      body: { qr: qrValue, phoneNumber: phone },
    });
    await page.getByText('Phone linked').waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.locator('[data-status="WORKING"]').first().waitFor();
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(SHOTS, 'portal-devices.png') });

    step('sending a message');
    await page.click('a[data-nav="send"]');
    await page.waitForURL('**/send');
    await page.fill('input[name="to"]', recipient);
    await page.keyboard.press('Escape');
    await page.fill('textarea[name="text"]', text);
    // Two quick clicks: the Idempotency-Key makes it one message.
    await page.click('[data-testid="send-submit"]');
    await page.click('[data-testid="send-submit"]', { force: true }).catch(() => undefined);
    await page.locator('[data-testid="last-sent"]').waitFor();

    step('seeing it in the log, with its status updating live');
    await page.click('a[data-nav="messages"]');
    await page.waitForURL('**/messages');
    const row = page.locator('tr', { hasText: text });
    await row.first().waitFor();
    await row
      .locator('[data-status="sent"], [data-status="delivered"], [data-status="read"]')
      .first()
      .waitFor();
    if ((await row.count()) !== 1) failures.push(`expected one log row, saw ${await row.count()}`);
    await page.screenshot({ path: join(SHOTS, 'portal-messages.png') });

    step('receiving a reply in the chat view');
    await page.click('a[data-nav="chats"]');
    await page.locator('li', { hasText: '+49 151 1234 5678' }).first().click();
    await page.locator('[data-message]', { hasText: text }).first().waitFor();
    await call(`${EMULATOR}/emulator/inbound`, {
      method: 'POST',
      headers: { 'X-Api-Key': EMULATOR_KEY },
      body: { to: phone, from: recipient.slice(1), text: `Reply ${stamp}` },
    });
    await page
      .locator('[data-message]', { hasText: `Reply ${stamp}` })
      .first()
      .waitFor();
    await page.screenshot({ path: join(SHOTS, 'portal-chat.png') });

    step('dark mode and a small screen');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.click('a[data-nav="messages"]');
    await page.locator('tr', { hasText: text }).first().waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, 'portal-dark.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, 'portal-mobile.png') });
    await page.setViewportSize({ width: 1360, height: 860 });
    await page.emulateMedia({ colorScheme: 'light' });

    step('signing out');
    await page.getByRole('button', { name: /Account menu/ }).click();
    await page.getByText('Sign out').click();
    await page.waitForURL('**/login**');
    const stored = await page.evaluate(() => Object.keys(globalThis.localStorage).length);
    if (stored !== 0) failures.push(`localStorage holds ${stored} keys after sign-out`);
    const reuse = await fetch(`${PORTAL}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    if (reuse.status !== 401) failures.push(`the refresh token still works after sign-out (${reuse.status})`);
  } catch (error) {
    await page?.screenshot({ path: join(SHOTS, 'portal-failure.png') }).catch(() => undefined);
    throw error;
  } finally {
    await browser.close();
  }

  if (failures.length) {
    console.error(`Smoke failed:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`Smoke passed. Screenshots in ${SHOTS}/portal-*.png`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
