import { ApiError } from '@/api/client';

export interface FriendlyError {
  /** One short sentence for a toast title or an inline alert. */
  title: string;
  /** The server's own explanation when it adds something. */
  detail?: string;
}

// Errors with a stable `code` get a sentence of their own; the server's message follows as detail.
const BY_CODE: Record<string, string> = {
  LAST_ADMIN: 'A tenant must keep at least one Admin. Make someone else an Admin first.',
  SYSTEM_GROUP: 'Admins, Editors and Viewers are built-in groups and cannot be changed or deleted.',
  GROUP_NOT_EMPTY: 'This group still has members. Move them to another group first.',
};

const BY_STATUS: Record<number, string> = {
  0: 'The service cannot be reached. Check your connection; we will keep trying.',
  400: 'Some of the input was not accepted.',
  401: 'Your session has ended. Please sign in again.',
  403: 'You do not have permission to do that.',
  404: 'Not found. It may have been removed, or it belongs to someone else.',
  409: 'That cannot be done right now.',
  413: 'That is too large to send.',
  422: 'The request could not be processed.',
  502: 'WhatsApp is not answering right now. Please try again in a moment.',
  503: 'The service is temporarily unavailable. Please try again in a moment.',
};

export function retryText(seconds: number | undefined): string {
  if (!seconds || seconds <= 0) return 'Please wait a moment and try again.';
  if (seconds < 90) return `Please try again in ${seconds} s.`;
  return `Please try again in ${Math.ceil(seconds / 60)} min.`;
}

/** Maps anything thrown to text people can act on. Never shows a stack or raw JSON. */
export function describeError(error: unknown): FriendlyError {
  if (!(error instanceof ApiError)) {
    return { title: 'Something went wrong. Please try again.' };
  }
  if (error.unreachable) return { title: BY_STATUS[0]! };
  const detail = error.messages.join(' ') || undefined;
  if (error.code && BY_CODE[error.code]) return { title: BY_CODE[error.code]!, detail };
  if (error.status === 429) return { title: `Too many requests. ${retryText(error.retryAfter)}` };
  if (error.status >= 500 && !BY_STATUS[error.status]) {
    const ref = error.requestId ? ` (reference ${error.requestId})` : '';
    return { title: `Something went wrong on our side${ref}. Please try again.` };
  }
  // 400/409/422 messages are written for people: show them as the title.
  if ([400, 409, 422].includes(error.status) && detail) return { title: detail };
  return { title: BY_STATUS[error.status] ?? 'Something went wrong. Please try again.', detail };
}

export type ErrorSink = (error: FriendlyError, context?: string) => void;

let sink: ErrorSink = (error, context) => console.error(context ?? 'Error', error.title, error.detail ?? '');

/** Installed by modules/naive-ui.ts (toasts); tests may install a spy. */
export function setErrorSink(next: ErrorSink): void {
  sink = next;
}

/**
 * The one way to tell the user an action failed. `context` names the action ("Could not send").
 */
export function notifyError(error: unknown, context?: string): void {
  // 401: the login page explains. Unreachable: the API-down banner already says so, once.
  if (error instanceof ApiError && (error.status === 401 || error.unreachable)) return;
  if (!(error instanceof ApiError)) console.error(error);
  sink(describeError(error), context);
}

/**
 * Splits 400 messages (`to must be …`, `text must be …`) by the field they start with; what matches no field
 * stays general.
 */
export function fieldErrors<F extends string>(
  error: unknown,
  fields: readonly F[],
): { fields: Partial<Record<F, string>>; general: string[] } {
  const result: { fields: Partial<Record<F, string>>; general: string[] } = { fields: {}, general: [] };
  if (!(error instanceof ApiError) || error.status !== 400) return result;
  for (const message of error.messages) {
    const field = fields.find((f) => message.startsWith(`${f} `) || message.startsWith(`${f}.`));
    if (field) {
      const text = message.charAt(0).toUpperCase() + message.slice(1);
      result.fields[field] = result.fields[field] ? `${result.fields[field]} ${text}` : text;
    } else {
      result.general.push(message);
    }
  }
  return result;
}
