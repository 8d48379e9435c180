import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  connectRealtime,
  disconnectRealtime,
  onRealtime,
  useRealtime,
  type RealtimeOptions,
} from './use-realtime';

type Listener = (...args: unknown[]) => void;

interface FakeSocket {
  active: boolean;
  on: (event: string, fn: Listener) => void;
  emit: (event: string, ...args: unknown[]) => void;
  connect: ReturnType<typeof vi.fn>;
  disconnect: ReturnType<typeof vi.fn>;
  removeAllListeners: ReturnType<typeof vi.fn>;
  handshakeAuth: () => Promise<object>;
}

/** Just enough of a socket.io-client Socket. */
function fakeIo() {
  const sockets: FakeSocket[] = [];
  function make(options: { auth: (cb: (data: object) => void) => void }): FakeSocket {
    const listeners = new Map<string, Listener[]>();
    const socket: FakeSocket = {
      active: true,
      on: (event: string, fn: Listener) => listeners.set(event, [...(listeners.get(event) ?? []), fn]),
      emit: (event: string, ...args: unknown[]) => listeners.get(event)?.forEach((fn) => fn(...args)),
      connect: vi.fn(),
      disconnect: vi.fn(),
      removeAllListeners: vi.fn(() => listeners.clear()),
      handshakeAuth: () => new Promise<object>((resolve) => options.auth(resolve)),
    };
    sockets.push(socket);
    return socket;
  }
  const connect = vi.fn((options: never) => make(options)) as unknown as RealtimeOptions['connect'];
  return { connect, sockets };
}

describe('use-realtime', () => {
  afterEach(() => disconnectRealtime());

  it('forwards typed server events to subscribers, and stops on unsubscribe', () => {
    const { connect, sockets } = fakeIo();
    connectRealtime({ getToken: () => 't1', refresh: async () => true, connect });
    const handler = vi.fn();
    const off = onRealtime('device.qr', handler);
    const payload = { deviceId: 'd', userId: 'u', qr: { value: 'v', image: 'i' } };
    sockets[0]!.emit('device.qr', payload);
    expect(handler).toHaveBeenCalledWith(payload);
    off();
    sockets[0]!.emit('device.qr', payload);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('sends the current token at every handshake', async () => {
    const { connect, sockets } = fakeIo();
    let token = 't1';
    connectRealtime({ getToken: () => token, refresh: async () => true, connect });
    expect(await sockets[0]!.handshakeAuth()).toEqual({ token: 't1' });
    token = 't2';
    expect(await sockets[0]!.handshakeAuth()).toEqual({ token: 't2' });
  });

  it('refreshes and reconnects when the server drops the socket at token expiry', async () => {
    vi.useFakeTimers();
    const { connect, sockets } = fakeIo();
    const refresh = vi.fn(async () => true);
    connectRealtime({ getToken: () => 't', refresh, connect });
    const socket = sockets[0]!;
    await socket.handshakeAuth();
    socket.emit('connect');
    socket.emit('disconnect', 'io server disconnect');
    await vi.runAllTimersAsync();
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(socket.connect).toHaveBeenCalledTimes(1);
    vi.useRealTimers();
  });

  it('reconnects without another refresh when the token was already rotated', async () => {
    vi.useFakeTimers();
    const { connect, sockets } = fakeIo();
    let token = 't1';
    const refresh = vi.fn(async () => true);
    connectRealtime({ getToken: () => token, refresh, connect });
    const socket = sockets[0]!;
    await socket.handshakeAuth();
    socket.emit('connect');
    token = 't2'; // the session refreshed ahead of expiry
    socket.emit('disconnect', 'io server disconnect');
    await vi.runAllTimersAsync();
    expect(refresh).not.toHaveBeenCalled();
    expect(socket.connect).toHaveBeenCalledTimes(1);
    vi.useRealTimers();
  });

  it('tells the caches to re-read after a reconnect', () => {
    const { connect, sockets } = fakeIo();
    connectRealtime({ getToken: () => 't', refresh: async () => true, connect });
    const resumed = vi.fn();
    onRealtime('realtime.resumed', resumed);
    sockets[0]!.emit('connect');
    expect(resumed).not.toHaveBeenCalled();
    sockets[0]!.emit('disconnect', 'transport close');
    sockets[0]!.emit('connect');
    expect(resumed).toHaveBeenCalledTimes(1);
  });

  it('disconnects and reports it', () => {
    const { connect, sockets } = fakeIo();
    connectRealtime({ getToken: () => 't', refresh: async () => true, connect });
    const { connected } = useRealtime();
    sockets[0]!.emit('connect');
    expect(connected.value).toBe(true);
    disconnectRealtime();
    expect(sockets[0]!.disconnect).toHaveBeenCalled();
    expect(connected.value).toBe(false);
  });
});
