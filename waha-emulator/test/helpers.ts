import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../src';

export const API_KEY = 'test-key';

/** Fast timings so the whole suite runs in seconds. */
export const FAST: EmulatorOptions = {
  logger: false,
  apiKey: API_KEY,
  startingDelayMs: 10,
  qrFirstMs: 150,
  qrNextMs: 60,
  qrMax: 3,
  ackDelayMs: 15,
};

export interface Received {
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
  /** Arrival time (ms). */
  at: number;
  body: {
    id: string;
    timestamp: number;
    event: string;
    session: string;
    metadata?: Record<string, string>;
    me: Record<string, unknown> | null;
    payload: Record<string, unknown>;
    engine: string;
    environment: Record<string, unknown>;
  };
}

/** A local webhook receiver; `status` decides the answer to each request (index is 0-based). */
export class Receiver {
  readonly received: Received[] = [];
  status: (index: number, request: Received) => number = () => 200;
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const index = this.received.length;
      const received: Received = {
        headers: req.headers,
        raw,
        at: Date.now(),
        body: JSON.parse(raw.toString('utf8')) as Received['body'],
      };
      this.received.push(received);
      res.statusCode = this.status(index, received);
      res.end('ok');
    });
  });

  async start(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/hook`;
  }

  /** Received envelopes, filtered, in event-time order (deliveries may overtake each other). */
  events(event?: string, session?: string): Received[] {
    return this.received
      .filter((r) => (!event || r.body.event === event) && (!session || r.body.session === session))
      .sort((a, b) => a.body.timestamp - b.body.timestamp);
  }

  async waitFor(predicate: (received: Received[]) => boolean, timeoutMs = 3000): Promise<Received[]> {
    await waitFor(() => predicate(this.received), timeoutMs);
    return this.received;
  }

  /** Deliveries that share the request id of `received` (one delivery and its retries). */
  attemptsOf(received: Received): Received[] {
    const id = received.headers['x-webhook-request-id'];
    return this.received.filter((r) => r.headers['x-webhook-request-id'] === id);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export async function waitFor(predicate: () => boolean, timeoutMs = 3000, intervalMs = 5): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Response {
  statusCode: number;
  headers: Headers;
  raw: Buffer;
  body: string;
  data: unknown;
}

/** Small HTTP client over a running emulator: JSON bodies, API key header, parsed JSON result. */
export class Client {
  constructor(
    readonly baseUrl: string,
    private readonly key: string | null = API_KEY,
  ) {}

  async call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<Response> {
    const response = await fetch(`${this.baseUrl}${url}`, {
      method,
      headers: {
        ...(this.key ? { 'x-api-key': this.key } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal,
    });
    const raw = Buffer.from(await response.arrayBuffer());
    const text = raw.toString('utf8');
    const isJson = (response.headers.get('content-type') ?? '').includes('application/json');
    return {
      statusCode: response.status,
      headers: response.headers,
      raw,
      body: text,
      data: isJson && text !== '' ? (JSON.parse(text) as unknown) : undefined,
    };
  }

  get = (url: string, headers?: Record<string, string>) => this.call('GET', url, undefined, headers);
  post = (url: string, body: unknown = {}) => this.call('POST', url, body);
  put = (url: string, body: unknown = {}) => this.call('PUT', url, body);
  delete = (url: string) => this.call('DELETE', url);

  /** Creates + starts a session and waits until it shows its first QR. */
  async startSession(name: string, config?: unknown): Promise<string> {
    const created = await this.post('/api/sessions', { name, start: true, ...(config ? { config } : {}) });
    expect(created.statusCode).toBe(201);
    return this.waitQr(name);
  }

  async waitQr(name: string): Promise<string> {
    const started = Date.now();
    for (;;) {
      const qr = await this.get(`/api/${name}/auth/qr?format=raw`);
      if (qr.statusCode === 200) {
        return (qr.data as { value: string }).value;
      }
      if (Date.now() - started > 3000) {
        throw new Error(`session ${name} never showed a QR: ${qr.body}`);
      }
      await sleep(5);
    }
  }

  /** Creates, starts and pairs a session; resolves once it is WORKING. */
  async pairedSession(name: string, phoneNumber: string, config?: unknown): Promise<void> {
    const qr = await this.startSession(name, config);
    const scan = await this.post('/emulator/scan', { qr, phoneNumber });
    expect(scan.statusCode).toBe(200);
  }
}

export interface TestEmulator {
  running: RunningEmulator;
  client: Client;
  anonymous: Client;
  close(): Promise<void>;
}

/** Starts an emulator on an ephemeral port with fast timings. */
export async function emulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const running = await startEmulator({ ...FAST, port: 0, ...options });
  const key = options.apiKey === undefined ? API_KEY : options.apiKey;
  return {
    running,
    client: new Client(running.url, key),
    anonymous: new Client(running.url, null),
    close: () => running.close(),
  };
}
