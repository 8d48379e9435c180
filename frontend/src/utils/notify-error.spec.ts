import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '@/api/client';
import { describeError, fieldErrors, notifyError, retryText, setErrorSink } from './notify-error';

const err = (status: number, messages: string[] = [], extra: Partial<ApiError> = {}) =>
  new ApiError({ status, messages, ...extra });

describe('describeError', () => {
  it.each([
    [0, 'The service cannot be reached'],
    [403, 'You do not have permission'],
    [404, 'Not found'],
    [503, 'temporarily unavailable'],
    [502, 'WhatsApp is not answering'],
  ])('maps %i to friendly text', (status, text) => {
    expect(describeError(err(status, ['raw server text'])).title).toContain(text);
  });

  it('prefers the stable code', () => {
    const e = err(409, ['The last Admin of a tenant cannot be deleted'], { code: 'LAST_ADMIN' });
    expect(describeError(e)).toEqual({
      title: expect.stringContaining('at least one Admin'),
      detail: 'The last Admin of a tenant cannot be deleted',
    });
  });

  it('shows 400/409 server sentences as they are', () => {
    expect(describeError(err(409, ['The device is FAILED; it must be WORKING to sync'])).title).toBe(
      'The device is FAILED; it must be WORKING to sync',
    );
  });

  it('gives the retry time on 429', () => {
    expect(describeError(err(429, ['Too many'], { retryAfter: 30 })).title).toBe(
      'Too many requests. Please try again in 30 s.',
    );
    expect(retryText(600)).toBe('Please try again in 10 min.');
  });

  it('hides 500 details but gives the reference', () => {
    const title = describeError(err(500, ['boom'], { requestId: 'abc' })).title;
    expect(title).toContain('reference abc');
    expect(title).not.toContain('boom');
  });

  it('treats a bare 502 from the proxy as the API being unreachable', () => {
    expect(describeError(err(502, ['Bad Gateway'], { gateway: true })).title).toContain('cannot be reached');
  });

  it('handles non-API errors', () => {
    expect(describeError(new TypeError('x')).title).toBe('Something went wrong. Please try again.');
  });
});

describe('notifyError', () => {
  it('sends friendly text to the sink, but stays quiet on 401', () => {
    const sink = vi.fn();
    setErrorSink(sink);
    notifyError(err(401, ['Unauthorized']));
    notifyError(err(0, ['unreachable'])); // the banner says it
    expect(sink).not.toHaveBeenCalled();
    notifyError(err(403, ['Forbidden']), 'Could not delete');
    expect(sink).toHaveBeenCalledWith(
      expect.objectContaining({ title: expect.any(String) }),
      'Could not delete',
    );
  });
});

describe('fieldErrors', () => {
  it('assigns 400 messages to the field they name', () => {
    const e = err(400, [
      'to must be a phone number in international format',
      'text must be 1-4096 characters',
      'odd',
    ]);
    expect(fieldErrors(e, ['to', 'text', 'deviceId'] as const)).toEqual({
      fields: {
        to: 'To must be a phone number in international format',
        text: 'Text must be 1-4096 characters',
      },
      general: ['odd'],
    });
  });

  it('ignores other statuses', () => {
    expect(fieldErrors(err(409, ['to must be']), ['to'])).toEqual({ fields: {}, general: [] });
  });
});
