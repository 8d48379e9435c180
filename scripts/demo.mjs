#!/usr/bin/env node
// `npm run demo`: a scripted walkthrough of the running service, printing every request and its result.
//
// Against `npm start` (defaults) or the Docker stack:
//   DEMO_API_URL        API base URL (default http://localhost:3000; behind nginx: https://localhost/api,
//                       a self-signed certificate is accepted unless DEMO_TLS_VERIFY=1)
//   DEMO_WAHA_URL       WAHA emulator, for its control API POST /emulator/scan (default http://localhost:3100)
//   DEMO_WAHA_API_KEY   the emulator's API key (default emulator-dev-key)
//   PLATFORM_ADMIN_USERNAME / PLATFORM_ADMIN_PASSWORD   operator login (default platform / Platform-Dev-Only-2024)
//
// Steps: operator login -> tenant A with an Admin, an Editor and a Viewer -> each logs in (JWT + claims) ->
// the Editor links two devices by QR (printed in the terminal, scanned through the emulator) -> switches the
// active device -> sends to a contact and to a group -> waits for delivered/read -> message log, contacts,
// groups -> tenant B sees none of it -> Swagger URL. Exits 1 at the first unexpected answer.
import QRCode from 'qrcode';
import { randomBytes, randomUUID } from 'node:crypto';

const API = (process.env.DEMO_API_URL || 'http://localhost:3000').replace(/\/+$/, '');
const WAHA = (process.env.DEMO_WAHA_URL || 'http://localhost:3100').replace(/\/+$/, '');
const WAHA_KEY = process.env.DEMO_WAHA_API_KEY || 'emulator-dev-key';
const OPERATOR = {
  tenant: 'platform',
  username: process.env.PLATFORM_ADMIN_USERNAME || 'platform',
  password: process.env.PLATFORM_ADMIN_PASSWORD || 'Platform-Dev-Only-2024',
};
if (API.startsWith('https:') && process.env.DEMO_TLS_VERIFY !== '1') {
  // nginx's generated certificate is self-signed; this process only talks to the demo stack.
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  process.removeAllListeners('warning');
}

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
const bold = (t) => paint('1', t);
const dim = (t) => paint('2', t);
const green = (t) => paint('32', t);
const red = (t) => paint('31', t);
const cyan = (t) => paint('36', t);

class DemoError extends Error {}

let stepNo = 0;
function step(title) {
  stepNo += 1;
  console.log(`\n${bold(`== ${stepNo}. ${title}`)}`);
}
const note = (text) => console.log(`   ${text}`);

function shorten(value, max = 160) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Passwords never printed; tokens abbreviated in request bodies. */
function maskBody(body) {
  if (!body || typeof body !== 'object') return body;
  const copy = Array.isArray(body) ? [...body] : { ...body };
  for (const [key, value] of Object.entries(copy)) {
    if (/password/i.test(key)) copy[key] = '***';
    else if (/token$/i.test(key) && typeof value === 'string') copy[key] = `${value.slice(0, 12)}…`;
    else if (value && typeof value === 'object') copy[key] = maskBody(value);
  }
  return copy;
}

/** Key fields of a response: scalar fields of an object, list sizes, first item of a page. */
function summary(data) {
  if (data === null || data === undefined || data === '') return '';
  if (Array.isArray(data))
    return `[${data.length} item(s)]${data.length ? ` first: ${summary(data[0])}` : ''}`;
  if (typeof data !== 'object') return shorten(data);
  if (Array.isArray(data.items)) {
    return `{items: ${data.items.length}, nextCursor: ${data.nextCursor ? 'yes' : 'null'}}${
      data.items.length ? ` first: ${summary(data.items[0])}` : ''
    }`;
  }
  const picked = {};
  for (const [key, value] of Object.entries(data)) {
    if (/token$/i.test(key) && typeof value === 'string') picked[key] = `${value.slice(0, 16)}…`;
    else if (key === 'qr' && value) picked.qr = '{value, image}';
    else if (key === 'participants' && Array.isArray(value)) picked.participants = value.length;
    else if (key === 'permissions' && Array.isArray(value)) picked.permissions = value;
    else if (value === null || typeof value !== 'object') picked[key] = value;
    else if (key === 'admin') picked.admin = summaryObject(value);
  }
  return shorten(picked, 240);
}
function summaryObject(value) {
  const out = {};
  for (const [key, v] of Object.entries(value)) if (v === null || typeof v !== 'object') out[key] = v;
  return out;
}

/**
 * One HTTP call, printed as `-> METHOD path body` and `<- status key fields`. Throws a DemoError when the
 * status is not one of `expect`.
 */
async function call(
  method,
  path,
  { token, body, expect = [200], headers = {}, base = API, quiet = false } = {},
) {
  const url = `${base}${path}`;
  const label = base === API ? path : `${base}${path}`;
  if (!quiet)
    console.log(`   ${cyan('->')} ${method} ${label}${body ? ` ${dim(shorten(maskBody(body), 140))}` : ''}`);
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(20_000),
    });
  } catch (error) {
    throw new DemoError(
      `${method} ${url} failed: ${error.cause?.message ?? error.message} (is the stack running?)`,
    );
  }
  const text = await res.text();
  let data = text;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  const ok = expect.includes(res.status);
  if (!quiet || !ok) {
    const mark = ok ? green(`<- ${res.status}`) : red(`<- ${res.status}`);
    console.log(`   ${mark} ${summary(data)}`);
  }
  if (!ok) {
    const retry = res.headers.get('retry-after');
    throw new DemoError(
      `${method} ${path}: expected ${expect.join(' or ')}, got ${res.status}${retry ? ` (Retry-After ${retry}s)` : ''}: ${shorten(data, 400)}`,
    );
  }
  return { status: res.status, data };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a truthy value; throws a DemoError naming `what` after `timeoutMs`. */
async function waitFor(what, probe, timeoutMs = 60_000, intervalMs = 500) {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() - started > timeoutMs)
      throw new DemoError(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

function decodeJwt(token) {
  const [header, payload] = token
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
  return { header, payload };
}

async function login(tenant, username, password, { showToken = false } = {}) {
  const { data } = await call('POST', '/auth/login', { body: { tenant, username, password } });
  if (showToken) {
    const { header, payload } = decodeJwt(data.accessToken);
    note(`${bold(`${username}@${tenant}`)} access token (${data.tokenType}, expires in ${data.expiresIn}s):`);
    note(dim(data.accessToken));
    note(`header : ${JSON.stringify(header)}`);
    note(`claims : ${JSON.stringify(payload)}`);
    note(
      `         iat ${new Date(payload.iat * 1000).toISOString()}  exp ${new Date(payload.exp * 1000).toISOString()}`,
    );
  }
  return data.accessToken;
}

async function linkDevice(token, name, phoneNumber) {
  const { data: device } = await call('POST', '/whatsapp/devices', { token, body: { name }, expect: [201] });
  let qr = device.qr;
  if (!qr) {
    note(dim('no QR yet (WAHA still STARTING); polling GET /whatsapp/devices/:id/qr'));
    qr = await waitFor(`the QR of ${name}`, async () => {
      const { status, data } = await call('GET', `/whatsapp/devices/${device.id}/qr`, {
        token,
        expect: [200, 409],
        quiet: true,
      });
      return status === 200 ? data : null;
    });
  }
  note(`QR of ${bold(name)} (value ${dim(shorten(qr.value, 48))}), as the phone would scan it:`);
  // Terminal colours when attached to a terminal; plain Unicode blocks when the output goes to a file or CI log.
  const art = await QRCode.toString(qr.value, color ? { type: 'terminal', small: true } : { type: 'utf8' });
  console.log(art.replace(/^/gm, '      '));
  await call('POST', '/emulator/scan', {
    base: WAHA,
    headers: { 'x-api-key': WAHA_KEY },
    body: { qr: qr.value, phoneNumber },
  });
  const working = await waitFor(`${name} to reach WORKING`, async () => {
    const { data } = await call('GET', `/whatsapp/devices/${device.id}`, { token, quiet: true });
    return data.status === 'WORKING' ? data : null;
  });
  note(`${green('✓')} ${name} is ${working.status} as +${working.phoneNumber ?? phoneNumber}`);
  return working;
}

async function waitDelivered(token, messageId, label) {
  let last = '';
  const message = await waitFor(
    `message ${label} to be delivered`,
    async () => {
      const { data } = await call('GET', `/messages/${messageId}`, { token, quiet: true });
      if (data.status !== last) {
        note(`${label}: ${dim(last || 'accepted')} -> ${bold(data.status)}`);
        last = data.status;
      }
      if (data.status === 'failed')
        throw new DemoError(`message ${label} failed: ${data.error ?? 'no reason'}`);
      return data.status === 'delivered' || data.status === 'read' ? data : null;
    },
    90_000,
    400,
  );
  return message;
}

async function main() {
  const suffix = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const password = `Demo-${randomBytes(6).toString('hex')}!`;
  console.log(bold('WhatsApp service demo'));
  note(`API ${API}   WAHA emulator ${WAHA}`);

  step('The API is up');
  await call('GET', '/health');

  step('Log in as the platform operator');
  const operator = await login(OPERATOR.tenant, OPERATOR.username, OPERATOR.password);

  step('Create tenant A and its users (Admins, Editors, Viewers)');
  const { data: tenantA } = await call('POST', '/tenants', {
    token: operator,
    body: { name: `Demo Shop ${suffix}`, slug: `demo-a-${suffix}`, admin: { username: 'alice', password } },
    expect: [201],
  });
  const adminA = await login(tenantA.slug, 'alice', password);
  const { data: groups } = await call('GET', '/user-groups', { token: adminA });
  const groupId = (name) => {
    const group = groups.find((g) => g.name === name);
    if (!group) throw new DemoError(`tenant A has no "${name}" group`);
    return group.id;
  };
  note(groups.map((g) => `${g.name}: ${g.permissions.join(', ')}`).join('\n   '));
  await call('POST', '/users', {
    token: adminA,
    body: { username: 'bob', password, groupId: groupId('Editors') },
    expect: [201],
  });
  await call('POST', '/users', {
    token: adminA,
    body: { username: 'carol', password, groupId: groupId('Viewers') },
    expect: [201],
  });

  step('Each user logs in: the JWT and its decoded claims');
  await login(tenantA.slug, 'alice', password, { showToken: true });
  const editor = await login(tenantA.slug, 'bob', password, { showToken: true });
  const viewer = await login(tenantA.slug, 'carol', password, { showToken: true });
  for (const [who, token] of [
    ['alice (Admins)', adminA],
    ['bob (Editors)', editor],
    ['carol (Viewers)', viewer],
  ]) {
    const { data: me } = await call('GET', '/auth/me', { token, quiet: true });
    note(`${who}: ${me.permissions.join(', ')}`);
  }

  step('bob links two WhatsApp devices by QR (scanned through the emulator)');
  const phoneBase = `49151${String(Date.now()).slice(-6)}`;
  const device1 = await linkDevice(editor, 'Sales phone', `${phoneBase}01`);
  const device2 = await linkDevice(editor, 'Support phone', `${phoneBase}02`);

  step('Switch the active device');
  await call('GET', '/whatsapp/devices', { token: editor });
  const { data: active } = await call('PUT', '/whatsapp/devices/active', {
    token: editor,
    body: { deviceId: device2.id },
  });
  note(`active device: ${bold(active.name)} (${active.id})`);
  const { data: devices } = await call('GET', '/whatsapp/devices', { token: editor, quiet: true });
  for (const d of devices) note(`${d.active ? green('●') : '○'} ${d.name} ${d.status} +${d.phoneNumber}`);

  step('Contacts and groups synced from the active device');
  const contacts = await waitFor('contacts of the active device', async () => {
    const { data } = await call('GET', `/contacts?deviceId=${device2.id}&limit=10`, {
      token: editor,
      quiet: true,
    });
    return data.items.length ? data.items : null;
  });
  const chatGroups = await waitFor('groups of the active device', async () => {
    const { data } = await call('GET', `/groups?deviceId=${device2.id}&limit=10`, {
      token: editor,
      quiet: true,
    });
    return data.items.length ? data.items : null;
  });
  await call('GET', `/contacts?deviceId=${device2.id}&limit=3`, { token: editor });
  await call('GET', `/groups?deviceId=${device2.id}&limit=3`, { token: editor });
  const contact = contacts.find((c) => c.phoneNumber) ?? contacts[0];
  const group = chatGroups[0];
  note(`contact: ${contact.name ?? '(no name)'} +${contact.phoneNumber}`);
  note(`group  : ${group.name} ${group.chatId} (${group.participants.length} participants)`);

  step('Send to a contact (phone number) and to a group, from the active device');
  const { data: toContact } = await call('POST', '/whatsapp/send', {
    token: editor,
    headers: { 'idempotency-key': randomUUID() },
    body: {
      to: `+${contact.phoneNumber}`,
      text: `Hello ${contact.name ?? 'there'}, your order has shipped.`,
    },
    expect: [202],
  });
  const { data: toGroup } = await call('POST', '/whatsapp/send', {
    token: editor,
    body: { to: group.chatId, text: 'Weekly update: all orders are on their way.' },
    expect: [202],
  });
  note(dim('a Viewer may read but not send:'));
  await call('POST', '/whatsapp/send', {
    token: viewer,
    body: { to: `+${contact.phoneNumber}`, text: 'not allowed' },
    expect: [403],
  });
  await waitDelivered(editor, toContact.id, 'to the contact');
  await waitDelivered(editor, toGroup.id, 'to the group');

  step('Message log, as the Viewer');
  const { data: log } = await call('GET', '/messages?limit=5', { token: viewer });
  for (const m of log.items) {
    note(
      `${m.direction.padEnd(8)} ${m.status.padEnd(9)} ${m.chatId.padEnd(28)} ${shorten(m.body ?? '', 50)}`,
    );
  }
  await call('GET', `/messages/${toContact.id}`, { token: viewer });
  note(dim("bob's chats (the chat history of his devices):"));
  await call('GET', '/chats?limit=3', { token: editor });

  step('Tenant B sees none of it');
  const { data: tenantB } = await call('POST', '/tenants', {
    token: operator,
    body: { name: `Other Co ${suffix}`, slug: `demo-b-${suffix}`, admin: { username: 'dave', password } },
    expect: [201],
  });
  const adminB = await login(tenantB.slug, 'dave', password);
  for (const path of ['/messages', '/contacts', '/groups', '/chats']) {
    const { data } = await call('GET', path, { token: adminB });
    if (data.items.length !== 0) throw new DemoError(`tenant B sees ${data.items.length} item(s) at ${path}`);
  }
  const { data: devicesB } = await call('GET', '/whatsapp/devices', { token: adminB });
  if (devicesB.length !== 0) throw new DemoError(`tenant B sees ${devicesB.length} device(s)`);
  await call('GET', `/messages/${toContact.id}`, { token: adminB, expect: [404] });
  await call('GET', `/whatsapp/devices/${device1.id}`, { token: adminB, expect: [404] });
  await call('PUT', '/whatsapp/devices/active', {
    token: adminB,
    body: { deviceId: device1.id },
    expect: [404],
  });
  note(`${green('✓')} empty lists and 404 for tenant A's message and device ids`);

  step('API documentation');
  await call('GET', '/docs-json', { quiet: true });
  note(`Swagger UI: ${bold(`${API}/docs`)}   (OpenAPI JSON: ${API}/docs-json)`);

  console.log(`\n${green(bold('Demo finished: every step answered as expected.'))}`);
  note(`tenant A: ${tenantA.slug} (users alice, bob, carol)   tenant B: ${tenantB.slug} (dave)`);
}

main().catch((error) => {
  const message = error instanceof DemoError ? error.message : (error?.stack ?? String(error));
  console.error(`\n${red(bold('Demo failed:'))} ${message}`);
  process.exit(1);
});
