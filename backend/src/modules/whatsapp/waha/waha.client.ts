import axios, { AxiosInstance, AxiosResponse, Method } from 'axios';
import {
  WahaNotFoundException,
  WahaRejectedException,
  WahaServerErrorException,
  WahaSessionStateException,
  WahaUnavailableException,
} from './waha.errors';
import {
  SessionStatus,
  WahaChatOverview,
  WahaContact,
  WahaGroupParticipantV2,
  WahaLid,
  WahaMe,
  WahaMessage,
  WahaServerStatus,
  WahaSessionConfig,
  WahaSessionInfo,
  WahaStatusErrorBody,
  WahaVersion,
} from './waha.types';

export interface WahaServerAddress {
  url: string;
  apiKey: string;
}

interface CallOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  /** Safe to repeat: retried on network errors and 5xx. Never set for sends. */
  idempotent?: boolean;
  /** What a 404 means here (for the error message). */
  notFound?: string;
}

const RETRY_DELAYS_MS = [200, 600];

/**
 * Typed client for one WAHA server. Every call carries the API key header and a hard timeout; only idempotent
 * calls are retried. Failures become the exceptions of waha.errors.ts, which the API returns as 409/502/503.
 */
export class WahaClient {
  private readonly http: AxiosInstance;

  constructor(
    readonly server: WahaServerAddress,
    private readonly timeoutMs: number,
  ) {
    this.http = axios.create({
      baseURL: server.url,
      timeout: timeoutMs,
      headers: { 'X-Api-Key': server.apiKey, Accept: 'application/json' },
      validateStatus: () => true,
      maxRedirects: 0,
      maxContentLength: 20 * 1024 * 1024,
    });
  }

  // Server

  version(): Promise<WahaVersion> {
    return this.call('GET', '/api/server/version', { idempotent: true });
  }

  serverStatus(): Promise<WahaServerStatus> {
    return this.call('GET', '/api/server/status', { idempotent: true });
  }

  // Sessions

  listSessions(all = true): Promise<WahaSessionInfo[]> {
    return this.call('GET', '/api/sessions', { query: { all }, idempotent: true });
  }

  getSession(name: string): Promise<WahaSessionInfo> {
    return this.call('GET', `/api/sessions/${enc(name)}`, { idempotent: true, notFound: `Session ${name}` });
  }

  createSession(name: string, config: WahaSessionConfig, start: boolean): Promise<WahaSessionInfo> {
    return this.call('POST', '/api/sessions', { body: { name, config, start } });
  }

  updateSession(name: string, config: WahaSessionConfig): Promise<WahaSessionInfo> {
    return this.call('PUT', `/api/sessions/${enc(name)}`, {
      body: { config },
      idempotent: true,
      notFound: `Session ${name}`,
    });
  }

  deleteSession(name: string): Promise<void> {
    return this.call('DELETE', `/api/sessions/${enc(name)}`, {
      idempotent: true,
      notFound: `Session ${name}`,
    });
  }

  startSession(name: string): Promise<WahaSessionInfo> {
    return this.call('POST', `/api/sessions/${enc(name)}/start`, { notFound: `Session ${name}` });
  }

  stopSession(name: string): Promise<WahaSessionInfo> {
    return this.call('POST', `/api/sessions/${enc(name)}/stop`, {
      idempotent: true,
      notFound: `Session ${name}`,
    });
  }

  restartSession(name: string): Promise<WahaSessionInfo> {
    return this.call('POST', `/api/sessions/${enc(name)}/restart`, { notFound: `Session ${name}` });
  }

  logoutSession(name: string): Promise<WahaSessionInfo> {
    return this.call('POST', `/api/sessions/${enc(name)}/logout`, { notFound: `Session ${name}` });
  }

  async me(name: string): Promise<WahaMe | null> {
    const me = await this.call<WahaMe | null | ''>('GET', `/api/sessions/${enc(name)}/me`, {
      idempotent: true,
    });
    return me && typeof me === 'object' ? me : null;
  }

  /** The raw QR string (we render the image ourselves, so one call gives both). */
  async qrValue(session: string): Promise<string> {
    const qr = await this.call<{ value: string }>('GET', `/api/${enc(session)}/auth/qr`, {
      query: { format: 'raw' },
      idempotent: true,
    });
    return qr.value;
  }

  // Messages

  sendText(body: { session: string; chatId: string; text: string; reply_to?: string }): Promise<unknown> {
    return this.call('POST', '/api/sendText', { body: { ...body, linkPreview: true } });
  }

  startTyping(session: string, chatId: string): Promise<unknown> {
    return this.call('POST', '/api/startTyping', { body: { session, chatId } });
  }

  stopTyping(session: string, chatId: string): Promise<unknown> {
    return this.call('POST', '/api/stopTyping', { body: { session, chatId } });
  }

  // Directory and history

  contacts(session: string, limit: number, offset: number): Promise<WahaContact[]> {
    return this.call('GET', '/api/contacts/all', {
      query: { session, limit, offset, sortBy: 'id' },
      idempotent: true,
    });
  }

  groups(session: string, limit: number, offset: number): Promise<unknown> {
    return this.call('GET', `/api/${enc(session)}/groups`, {
      query: { limit, offset, sortBy: 'id', exclude: 'participants' },
      idempotent: true,
    });
  }

  groupParticipants(session: string, groupId: string): Promise<WahaGroupParticipantV2[]> {
    return this.call('GET', `/api/${enc(session)}/groups/${enc(groupId)}/participants/v2`, {
      idempotent: true,
    });
  }

  lids(session: string, limit: number, offset: number): Promise<WahaLid[]> {
    return this.call('GET', `/api/${enc(session)}/lids`, { query: { limit, offset }, idempotent: true });
  }

  lid(session: string, lid: string): Promise<WahaLid> {
    return this.call('GET', `/api/${enc(session)}/lids/${enc(lid)}`, { idempotent: true });
  }

  chatsOverview(session: string, limit: number, offset: number): Promise<WahaChatOverview[]> {
    return this.call('GET', `/api/${enc(session)}/chats/overview`, {
      query: { limit, offset },
      idempotent: true,
    });
  }

  chatMessages(
    session: string,
    chatId: string,
    limit: number,
    sinceSeconds?: number,
  ): Promise<WahaMessage[]> {
    return this.call('GET', `/api/${enc(session)}/chats/${enc(chatId)}/messages`, {
      query: { limit, downloadMedia: false, 'filter.timestamp.gte': sinceSeconds },
      idempotent: true,
    });
  }

  private async call<T>(method: Method, path: string, options: CallOptions = {}): Promise<T> {
    const attempts = options.idempotent ? RETRY_DELAYS_MS.length + 1 : 1;
    let lastError: Error | null = null;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await sleep(RETRY_DELAYS_MS[attempt - 1]!);
      let response: AxiosResponse;
      try {
        response = await this.http.request({
          method,
          url: path,
          data: options.body,
          params: options.query,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        lastError = new WahaUnavailableException(describeNetworkError(error, this.timeoutMs));
        // A timeout already cost the whole budget: answer now rather than multiply the wait.
        if (isTimeout(error)) break;
        continue;
      }
      if (response.status >= 500) {
        lastError = new WahaServerErrorException(response.status);
        continue;
      }
      return this.interpret<T>(response, options);
    }
    throw lastError ?? new WahaUnavailableException('no response');
  }

  private interpret<T>(response: AxiosResponse, options: CallOptions): T {
    const { status, data } = response;
    if (status >= 200 && status < 300) return (data === '' ? undefined : data) as T;
    if (status === 404) throw new WahaNotFoundException(options.notFound ?? 'Resource');
    if (status === 422 && isStatusError(data)) {
      throw new WahaSessionStateException(data.status ?? null, data.expected ?? []);
    }
    if (status === 401 || status === 403)
      throw new WahaRejectedException(status, 'API key refused; check WAHA_API_KEY');
    throw new WahaRejectedException(status, messageOf(data));
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isStatusError(data: unknown): data is WahaStatusErrorBody {
  return (
    typeof data === 'object' && data !== null && 'error' in data && ('status' in data || 'expected' in data)
  );
}

function messageOf(data: unknown): string {
  if (typeof data === 'object' && data !== null) {
    const { message, error } = data as { message?: unknown; error?: unknown };
    if (typeof message === 'string') return message;
    if (Array.isArray(message)) return message.join('; ');
    if (typeof error === 'string') return error;
  }
  return typeof data === 'string' && data ? data.slice(0, 200) : 'no details';
}

function isTimeout(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  const name = (error as { name?: string }).name;
  return code === 'ECONNABORTED' || code === 'ETIMEDOUT' || name === 'CanceledError' || name === 'AbortError';
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  const code = (error as { code?: string }).code;
  if (isTimeout(error)) return `no answer within ${timeoutMs} ms`;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  return code ?? 'network error';
}

export type { SessionStatus };
