import { computed, reactive, ref, watch } from 'vue';
import { ApiError, client, unwrap } from '@/api/client';
import type { MessageStatus, SendAccepted } from '@/api/types';
import { useRealtime } from '@/composables/use-realtime';
import { isValidRecipient, normalizeRecipient } from '@/utils/format-phone';
import { newIdempotencyKey } from '@/utils/idempotency-key';
import { describeError, fieldErrors } from '@/utils/notify-error';

export const MAX_TEXT = 4096;
const FIELDS = ['deviceId', 'to', 'text'] as const;
type Field = (typeof FIELDS)[number];

export interface SendFormInit {
  deviceId?: string | null;
  to?: string;
  text?: string;
}

/**
 * One send form. Each submit carries an Idempotency-Key: a double click joins the submit already running, and a
 * retry of the same, unchanged message after a lost answer reuses the key, so the server never sends twice.
 * Any edit (or a success) starts a new message with a new key.
 */
export function useSendForm(init: SendFormInit = {}) {
  const form = reactive({ deviceId: init.deviceId ?? null, to: init.to ?? '', text: init.text ?? '' });
  const errors = ref<Partial<Record<Field, string>>>({});
  /** A 409 in words: no active device, or the device is not linked. */
  const conflict = ref<string | null>(null);
  const general = ref<string | null>(null);
  const sending = ref(false);
  const lastSent = ref<{ id: string; to: string; status: MessageStatus; error: string | null } | null>(null);

  let key: string | null = null;
  let inflight: Promise<SendAccepted | null> | null = null;

  const length = computed(() => form.text.length);
  const tooLong = computed(() => length.value > MAX_TEXT);
  const canSubmit = computed(
    () => !!form.to.trim() && !!form.text.trim() && !tooLong.value && !sending.value,
  );

  watch(
    () => [form.deviceId, form.to, form.text],
    () => {
      if (!sending.value) key = null;
    },
  );

  const { on } = useRealtime();
  const follow = (m: { id: string; status: MessageStatus; error: string | null }) => {
    if (lastSent.value?.id === m.id) lastSent.value = { ...lastSent.value, status: m.status, error: m.error };
  };
  on('message.created', follow);
  on('message.updated', follow);

  function validate(): boolean {
    const found: Partial<Record<Field, string>> = {};
    if (!isValidRecipient(form.to)) {
      found.to = 'Enter a phone number in international format (e.g. +49 151 12345678), or pick a chat.';
    }
    if (!form.text.trim()) found.text = 'Write a message.';
    else if (tooLong.value) found.text = `Messages can be at most ${MAX_TEXT} characters.`;
    errors.value = found;
    return Object.keys(found).length === 0;
  }

  function submit(): Promise<SendAccepted | null> {
    if (inflight) return inflight;
    conflict.value = null;
    general.value = null;
    if (!validate()) return Promise.resolve(null);
    key ??= newIdempotencyKey();
    const idempotencyKey = key;
    const to = normalizeRecipient(form.to);
    sending.value = true;
    inflight = (async () => {
      try {
        const accepted = await unwrap(
          client.POST('/whatsapp/send', {
            params: { header: { 'Idempotency-Key': idempotencyKey } },
            body: { deviceId: form.deviceId ?? undefined, to, text: form.text },
          }),
        );
        key = null;
        lastSent.value = { id: accepted.id, to, status: accepted.status, error: null };
        form.text = '';
        return accepted;
      } catch (error) {
        explain(error);
        return null;
      } finally {
        sending.value = false;
        inflight = null;
      }
    })();
    return inflight;
  }

  function explain(error: unknown): void {
    if (error instanceof ApiError && error.status === 400) {
      const mapped = fieldErrors(error, FIELDS);
      errors.value = mapped.fields;
      general.value = mapped.general.join(' ') || null;
    } else if (error instanceof ApiError && error.status === 409) {
      conflict.value = /no active device/i.test(error.message)
        ? 'There is no active device to send from. Pick a device above, or link a phone first.'
        : `${error.message}. Open Devices to link it again, or pick another device.`;
    } else if (error instanceof ApiError && error.status === 404) {
      errors.value = { deviceId: 'This device no longer exists. Pick another one.' };
    } else {
      general.value = describeError(error).title;
    }
  }

  return { form, errors, conflict, general, sending, lastSent, length, tooLong, canSubmit, submit };
}
