import { io, type Socket } from 'socket.io-client';
import { getCurrentScope, onScopeDispose, readonly, ref } from 'vue';
import type { DeviceStatus, Message, Qr } from '@/api/types';

/** Server → portal events (see API.md "Live updates"). Payloads carry ids of the caller's tenant only. */
export interface RealtimeEvents {
  'device.status': {
    deviceId: string;
    userId: string;
    status: DeviceStatus;
    statusReason: string | null;
    phoneNumber: string | null;
  };
  /** Only to the device's owner. */
  'device.qr': { deviceId: string; userId: string; qr: Qr };
  'message.created': Message;
  'message.updated': Message;
  'directory.synced': { deviceId: string; contacts: number; groups: number };
  /** Local: the socket came back after a drop; events may have been missed, so caches re-read. */
  'realtime.resumed': Record<string, never>;
}

export type RealtimeEvent = keyof RealtimeEvents;
type Handler<E extends RealtimeEvent> = (payload: RealtimeEvents[E]) => void;

const SERVER_EVENTS: readonly RealtimeEvent[] = [
  'device.status',
  'device.qr',
  'message.created',
  'message.updated',
  'directory.synced',
];

export interface RealtimeOptions {
  getToken: () => string | null;
  /** Rotates the tokens; false when the session is over. */
  refresh: () => Promise<boolean>;
  /** Defaults to the page's origin (the API is served there under /socket.io/). */
  url?: string;
  connect?: typeof io;
}

const handlers = new Map<RealtimeEvent, Set<Handler<RealtimeEvent>>>();
const connected = ref(false);
let socket: Socket | null = null;

/** Subscribes to an event; returns the unsubscribe function. */
export function onRealtime<E extends RealtimeEvent>(event: E, handler: Handler<E>): () => void {
  let set = handlers.get(event);
  if (!set) handlers.set(event, (set = new Set()));
  set.add(handler as Handler<RealtimeEvent>);
  return () => set.delete(handler as Handler<RealtimeEvent>);
}

/** Fans an event out to subscribers (the socket calls it; specs call it to simulate the server). */
export function dispatchRealtime<E extends RealtimeEvent>(event: E, payload: RealtimeEvents[E]): void {
  for (const handler of [...(handlers.get(event) ?? [])]) {
    try {
      handler(payload);
    } catch (error) {
      console.error(`realtime handler for ${event} failed`, error);
    }
  }
}

/** Forgets every subscriber (specs use it between tests; app code unsubscribes itself). */
export function clearRealtimeHandlers(): void {
  handlers.clear();
}

/**
 * Opens the one socket of the portal. The token is read at every (re)connect, so a reconnect after a refresh
 * uses the fresh one. The server disconnects a socket when its token expires and refuses stale tokens: both
 * lead to a refresh and a manual reconnect.
 */
export function connectRealtime(options: RealtimeOptions): void {
  disconnectRealtime();
  const connect = options.connect ?? io;
  let handshakeToken: string | null = null;
  const socketOptions: Parameters<typeof io>[1] = {
    path: '/socket.io/',
    transports: ['websocket'],
    auth: (cb) => {
      handshakeToken = options.getToken();
      cb({ token: handshakeToken });
    },
    reconnectionDelayMax: 10_000,
  };
  const s = options.url ? connect(options.url, socketOptions) : connect(socketOptions);
  socket = s;
  let everConnected = false;
  let refusals = 0;

  async function reconnectWithFreshToken(): Promise<void> {
    if (socket !== s || ++refusals > 3) return; // give up quietly; the next API call decides about the session
    // The session usually refreshed already (ahead of expiry): then the fresh token is enough.
    const fresh = options.getToken() !== handshakeToken || (await options.refresh().catch(() => false));
    if (!fresh || socket !== s) return;
    setTimeout(() => socket === s && s.connect(), 250 * refusals);
  }

  s.on('connect', () => {
    connected.value = true;
    refusals = 0;
    if (everConnected) dispatchRealtime('realtime.resumed', {});
    everConnected = true;
  });
  s.on('disconnect', (reason) => {
    connected.value = false;
    if (reason === 'io server disconnect') void reconnectWithFreshToken();
  });
  s.on('connect_error', () => {
    connected.value = false;
    // Refused by the server's auth middleware: Socket.IO does not retry on its own.
    if (!s.active) void reconnectWithFreshToken();
  });
  for (const event of SERVER_EVENTS) {
    s.on(event, (payload: unknown) => dispatchRealtime(event, payload as RealtimeEvents[typeof event]));
  }
}

export function disconnectRealtime(): void {
  const s = socket;
  socket = null;
  connected.value = false;
  if (s) {
    s.removeAllListeners();
    s.disconnect();
  }
}

/**
 * For components: `on()` subscriptions end with the component. `connected` drives the live indicator.
 */
export function useRealtime() {
  const offs: Array<() => void> = [];
  if (getCurrentScope()) onScopeDispose(() => offs.forEach((off) => off()));
  return {
    connected: readonly(connected),
    on<E extends RealtimeEvent>(event: E, handler: Handler<E>): () => void {
      const off = onRealtime(event, handler);
      offs.push(off);
      return off;
    },
  };
}
