#!/usr/bin/env node
// Behaviour of the nginx configuration, run by .ci/checks/deploy.sh against a copy of nginx/ that listens on
// 127.0.0.1 high ports and proxies to the stub upstream started here (instead of the `api` service).
//
//   node nginx-smoke.mjs <httpPort> <httpsPort> <upstreamPort>
//
// The stub records every request it gets and answers 101 to WebSocket upgrades. Exit 0 when every
// expectation holds, 1 otherwise (each check printed as ok/FAIL).
import http from 'node:http';
import https from 'node:https';

const [httpPort, httpsPort, upstreamPort] = process.argv.slice(2).map(Number);
if (!httpPort || !httpsPort || !upstreamPort) {
  console.error('usage: nginx-smoke.mjs <httpPort> <httpsPort> <upstreamPort>');
  process.exit(2);
}

const seen = [];
const upstream = http.createServer((req, res) => {
  let size = 0;
  req.on('data', (chunk) => (size += chunk.length));
  req.on('end', () => {
    seen.push({ method: req.method, url: req.url, headers: req.headers, size });
    if (req.url === '/docs-json') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end('{"openapi":"3.0.0","paths":{},"servers":[]}');
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/json',
      'strict-transport-security': 'max-age=1',
      'x-frame-options': 'SAMEORIGIN',
    });
    res.end(JSON.stringify({ ok: true, url: req.url, filler: 'x'.repeat(2048) }));
  });
});
upstream.on('upgrade', (req, socket) => {
  seen.push({ method: req.method, url: req.url, headers: req.headers, upgrade: true });
  socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
});
await new Promise((resolve) => upstream.listen(upstreamPort, '127.0.0.1', resolve));

function request(scheme, path, { method = 'GET', headers = {}, body } = {}) {
  const lib = scheme === 'https' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      {
        host: '127.0.0.1',
        port: scheme === 'https' ? httpsPort : httpPort,
        path,
        method,
        headers: { host: 'localhost', ...headers },
        rejectUnauthorized: false,
        servername: 'localhost',
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode, headers: res.headers, body: Buffer.alloc(0) });
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    if (body) req.write(body);
    req.end();
  });
}

let failures = 0;
function check(name, ok, detail = '') {
  console.log(`    ${ok ? 'ok  ' : 'FAIL'} ${name}${!ok && detail ? ` (${detail})` : ''}`);
  if (!ok) failures += 1;
}
const lastSeen = () => seen[seen.length - 1];

try {
  let r = await request('http', '/messages?x=1');
  check(
    'HTTP :80 -> 301 to https://',
    r.status === 301 && /^https:\/\/localhost\/messages\?x=1$/.test(r.headers.location ?? ''),
    `${r.status} ${r.headers.location}`,
  );

  r = await request('http', '/.well-known/acme-challenge/none');
  check('HTTP ACME challenge path is not redirected', r.status === 404, String(r.status));

  r = await request('https', '/', { headers: { 'accept-encoding': 'gzip' } });
  const hsts = r.headers['strict-transport-security'] ?? '';
  const csp = r.headers['content-security-policy'] ?? '';
  check(
    'portal / -> 200 index.html',
    r.status === 200 && r.body.toString().includes('smoke-index'),
    String(r.status),
  );
  check('HSTS on HTTPS responses', /max-age=31536000/.test(hsts), hsts);
  check('X-Content-Type-Options nosniff', r.headers['x-content-type-options'] === 'nosniff');
  check('X-Frame-Options DENY', r.headers['x-frame-options'] === 'DENY');
  check(
    "CSP with frame-ancestors 'none' and script-src 'self'",
    /frame-ancestors 'none'/.test(csp) && /script-src 'self'/.test(csp),
    csp,
  );
  check('Referrer-Policy set', Boolean(r.headers['referrer-policy']));
  check('index.html not cached', r.headers['cache-control'] === 'no-cache', r.headers['cache-control']);

  r = await request('https', '/devices/123/settings');
  check(
    'SPA fallback: unknown route -> index.html',
    r.status === 200 && r.body.toString().includes('smoke-index'),
    String(r.status),
  );

  r = await request('https', '/assets/app-abc123.js', { headers: { 'accept-encoding': 'gzip' } });
  check(
    'hashed assets cached immutable',
    /immutable/.test(r.headers['cache-control'] ?? ''),
    r.headers['cache-control'],
  );
  check('gzip for JavaScript', r.headers['content-encoding'] === 'gzip', r.headers['content-encoding']);

  r = await request('https', '/assets/missing.js');
  check('missing asset -> 404 (no SPA fallback)', r.status === 404, String(r.status));

  const before = seen.length;
  r = await request('https', '/api/health?verbose=1', {
    headers: { 'x-request-id': 'smoke-request-0001', 'x-forwarded-for': '6.6.6.6' },
  });
  const got = lastSeen();
  check(
    '/api/health -> upstream /health (prefix stripped, query kept)',
    r.status === 200 && seen.length === before + 1 && got.url === '/health?verbose=1',
    got?.url,
  );
  check(
    'X-Forwarded-Proto https',
    got.headers['x-forwarded-proto'] === 'https',
    got.headers['x-forwarded-proto'],
  );
  check(
    'X-Forwarded-For replaced by the client address',
    got.headers['x-forwarded-for'] === '127.0.0.1',
    got.headers['x-forwarded-for'],
  );
  check(
    'X-Request-Id passed through',
    got.headers['x-request-id'] === 'smoke-request-0001' &&
      r.headers['x-request-id'] === 'smoke-request-0001',
    got.headers['x-request-id'],
  );
  check(
    'one HSTS header (upstream copy hidden)',
    !String(r.headers['strict-transport-security']).includes(','),
    r.headers['strict-transport-security'],
  );
  check(
    'X-Frame-Options DENY on API responses',
    r.headers['x-frame-options'] === 'DENY',
    r.headers['x-frame-options'],
  );

  await request('https', '/api/messages', { headers: { 'x-request-id': 'bad id!' } });
  check(
    'malformed X-Request-Id replaced',
    /^[0-9a-f]{32}$/.test(lastSeen().headers['x-request-id'] ?? ''),
    lastSeen().headers['x-request-id'],
  );

  r = await request('https', '/api/chats/4915100000000%40c.us/messages');
  check(
    'encoded path forwarded as sent',
    lastSeen().url === '/chats/4915100000000%40c.us/messages',
    lastSeen().url,
  );

  r = await request('https', '/api/docs');
  check(
    '/api/docs -> upstream /docs (Swagger)',
    r.status === 200 && lastSeen().url === '/docs',
    lastSeen().url,
  );

  r = await request('https', '/api/docs-json');
  check(
    '/api/docs-json gets servers [{url: /api}] for Swagger "Try it out"',
    r.body.toString().includes('"servers":[{"url":"/api"}]'),
    r.body.toString(),
  );

  r = await request('https', '/api/messages', { headers: { 'accept-encoding': 'gzip' } });
  check('gzip for API JSON', r.headers['content-encoding'] === 'gzip', r.headers['content-encoding']);
  r = await request('https', '/api/auth/login', { method: 'POST', headers: { 'accept-encoding': 'gzip' } });
  check(
    'no gzip on /api/auth/ (tokens)',
    r.status === 200 && !r.headers['content-encoding'],
    r.headers['content-encoding'],
  );

  for (const path of [
    '/api/webhooks/waha',
    '/api/%77ebhooks/waha',
    '/api//webhooks/waha',
    '/api/x/../webhooks/waha',
    '/api/webhooks',
  ]) {
    const count = seen.length;
    r = await request('https', path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    check(
      `POST ${path} -> 404, never proxied`,
      r.status === 404 && seen.length === count,
      `${r.status}, upstream hits ${seen.length - count}`,
    );
  }

  r = await request('https', '/api/messages', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: Buffer.alloc(1024 * 1024 + 10, 0x20),
  });
  check('body over 1 MiB -> 413', r.status === 413, String(r.status));
  r = await request('https', '/api/messages', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: Buffer.alloc(900 * 1024, 0x20),
  });
  check('body under 1 MiB is proxied', r.status === 200 && lastSeen().size === 900 * 1024, String(r.status));

  r = await request('https', '/socket.io/?EIO=4&transport=websocket', {
    headers: {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    },
  });
  const ws = lastSeen();
  check('Socket.IO WebSocket upgrade -> 101', r.status === 101 && ws.upgrade === true, String(r.status));
  check('Socket.IO path kept (/socket.io/...)', ws.url === '/socket.io/?EIO=4&transport=websocket', ws.url);

  r = await request('https', '/socket.io/?EIO=4&transport=polling');
  check(
    'Socket.IO polling proxied',
    r.status === 200 && lastSeen().url === '/socket.io/?EIO=4&transport=polling',
    lastSeen().url,
  );
} catch (error) {
  check('requests completed', false, error.message);
} finally {
  upstream.close();
}

console.log(
  failures ? `    ${failures} nginx behaviour check(s) failed` : '    all nginx behaviour checks passed',
);
process.exit(failures ? 1 : 0);
