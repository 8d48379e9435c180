import { beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope } from 'vue';
import { nextTick } from 'vue';
import { ApiError } from '@/api/client';
import { dispatchRealtime } from '@/composables/use-realtime';
import { clientMock, fail, ok } from '@/test/api-mock';
import { makeMessage } from '@/test/factories';
import { useSendForm } from './use-send-form';

vi.mock('@/api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/client')>()),
  client: (await import('@/test/api-mock')).clientMock,
}));

function keysSent(): string[] {
  return clientMock.POST.mock.calls.map(
    ([, init]) =>
      (init as { params: { header: { 'Idempotency-Key': string } } }).params.header['Idempotency-Key'],
  );
}

function form(init: Parameters<typeof useSendForm>[0] = { to: '+49 151 12345678', text: 'Hello' }) {
  return effectScope().run(() => useSendForm(init))!;
}

describe('useSendForm', () => {
  let uuid: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    let n = 0;
    uuid = vi
      .spyOn(crypto, 'randomUUID')
      .mockImplementation(
        () =>
          `00000000-0000-4000-8000-00000000000${++n}` as `${string}-${string}-${string}-${string}-${string}`,
      );
  });

  it('sends with a fresh Idempotency-Key and a normalized recipient', async () => {
    clientMock.POST.mockReturnValueOnce(ok({ id: 'm1', status: 'queued' }, 202));
    const send = form({ deviceId: 'd-1', to: '+49 (151) 1234-5678', text: 'Hello' });
    await send.submit();
    expect(clientMock.POST).toHaveBeenCalledWith('/whatsapp/send', {
      params: { header: { 'Idempotency-Key': '00000000-0000-4000-8000-000000000001' } },
      body: { deviceId: 'd-1', to: '+4915112345678', text: 'Hello' },
    });
    expect(send.lastSent.value).toMatchObject({ id: 'm1', status: 'queued' });
    expect(send.form.text).toBe('');
  });

  it('builds the key once per submit: a double click sends one request', async () => {
    let release!: (v: unknown) => void;
    clientMock.POST.mockReturnValueOnce(new Promise((resolve) => (release = resolve)));
    const send = form();
    const first = send.submit();
    const second = send.submit();
    expect(second).toBe(first);
    release(await ok({ id: 'm1', status: 'queued' }, 202));
    await first;
    expect(clientMock.POST).toHaveBeenCalledTimes(1);
    expect(uuid).toHaveBeenCalledTimes(1);
  });

  it('gives each new message its own key', async () => {
    clientMock.POST.mockReturnValue(ok({ id: 'm', status: 'queued' }, 202));
    const send = form();
    await send.submit();
    send.form.text = 'Second';
    await nextTick();
    await send.submit();
    const [a, b] = keysSent();
    expect(a).not.toBe(b);
  });

  it('reuses the key when the same message is retried after a lost answer, not after an edit', async () => {
    clientMock.POST.mockReturnValueOnce(
      Promise.reject(new ApiError({ status: 0, messages: ['unreachable'] })),
    );
    clientMock.POST.mockReturnValueOnce(fail(503, 'down'));
    clientMock.POST.mockReturnValueOnce(ok({ id: 'm', status: 'queued' }, 202));
    const send = form();
    await send.submit();
    expect(send.general.value).toContain('cannot be reached');
    await send.submit();
    send.form.text = 'Hello!';
    await nextTick();
    await send.submit();
    const [a, b, c] = keysSent();
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('maps 400 messages to the fields they name', async () => {
    clientMock.POST.mockReturnValueOnce(
      fail(400, [
        'to must be a phone number in international format',
        'text must be 1-4096 characters',
        'odd thing',
      ]),
    );
    const send = form();
    await send.submit();
    expect(send.errors.value).toEqual({
      to: 'To must be a phone number in international format',
      text: 'Text must be 1-4096 characters',
    });
    expect(send.general.value).toBe('odd thing');
  });

  it('explains a 409', async () => {
    clientMock.POST.mockReturnValueOnce(
      fail(409, 'No active device: link one, switch to one, or pass deviceId'),
    );
    const send = form();
    await send.submit();
    expect(send.conflict.value).toMatch(/no active device/i);
    clientMock.POST.mockReturnValueOnce(
      fail(409, 'The device is FAILED; it must be WORKING (linked) to send'),
    );
    await send.submit();
    expect(send.conflict.value).toContain('The device is FAILED');
  });

  it('checks the input before calling the API', async () => {
    const send = form({ to: 'hello', text: 'x'.repeat(4097) });
    expect(send.tooLong.value).toBe(true);
    expect(await send.submit()).toBeNull();
    expect(send.errors.value.to).toMatch(/international format/);
    expect(send.errors.value.text).toMatch(/4096/);
    expect(clientMock.POST).not.toHaveBeenCalled();
  });

  it('follows the sent message live', async () => {
    clientMock.POST.mockReturnValueOnce(ok({ id: 'm1', status: 'queued' }, 202));
    const send = form();
    await send.submit();
    dispatchRealtime('message.updated', makeMessage({ id: 'm1', status: 'delivered' }));
    expect(send.lastSent.value?.status).toBe('delivered');
  });
});
