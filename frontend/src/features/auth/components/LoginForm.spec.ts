import { createTestingPinia } from '@pinia/testing';
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import { clientMock, fail, ok } from '@/test/api-mock';
import { makeMe } from '@/test/factories';
import LoginForm from './LoginForm.vue';

vi.mock('@/api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/client')>()),
  client: (await import('@/test/api-mock')).clientMock,
}));

async function fillAndSubmit() {
  const wrapper = mount(LoginForm, {
    global: { plugins: [createTestingPinia({ createSpy: vi.fn, stubActions: false })] },
  });
  await wrapper.find('input[name="tenant"]').setValue('acme');
  await wrapper.find('input[name="username"]').setValue('ann');
  await wrapper.find('input[name="password"]').setValue('wrong-password');
  await wrapper.find('form').trigger('submit');
  await flushPromises();
  return wrapper;
}

describe('LoginForm', () => {
  it('shows a generic message on 401, never which field was wrong', async () => {
    clientMock.POST.mockReturnValueOnce(fail(401, 'Invalid tenant, username or password'));
    const wrapper = await fillAndSubmit();
    expect(clientMock.POST).toHaveBeenCalledWith('/auth/login', {
      body: { tenant: 'acme', username: 'ann', password: 'wrong-password' },
    });
    expect(wrapper.find('[data-testid="login-error"]').text()).toBe(
      'The organisation, username or password is not right.',
    );
    expect(wrapper.emitted('signedIn')).toBeUndefined();
  });

  it('shows the retry time on 429 and holds the button until then', async () => {
    clientMock.POST.mockReturnValueOnce(fail(429, 'Too many requests', { headers: { 'Retry-After': '30' } }));
    const wrapper = await fillAndSubmit();
    expect(wrapper.find('[data-testid="login-error"]').text()).toContain('Please try again in 30 s.');
    const button = wrapper.find('[data-testid="login-submit"]');
    expect(button.text()).toBe('Wait 30 s');
    expect(button.attributes('disabled')).toBeDefined();
  });

  it('counts long waits in minutes', async () => {
    clientMock.POST.mockReturnValueOnce(
      fail(429, 'Too many requests', { headers: { 'Retry-After': '895' } }),
    );
    const wrapper = await fillAndSubmit();
    expect(wrapper.find('[data-testid="login-error"]').text()).toContain('Please try again in 14:55.');
  });

  it('explains an unreachable service', async () => {
    clientMock.POST.mockReturnValueOnce(fail(503, 'Service Unavailable'));
    const wrapper = await fillAndSubmit();
    expect(wrapper.find('[data-testid="login-error"]').text()).toContain('temporarily unavailable');
  });

  it('signs in and tells the page', async () => {
    clientMock.POST.mockReturnValueOnce(
      ok({ accessToken: 'A', refreshToken: 'R', tokenType: 'Bearer', expiresIn: 900 }),
    );
    clientMock.GET.mockReturnValueOnce(ok(makeMe([])));
    const wrapper = await fillAndSubmit();
    expect(wrapper.emitted('signedIn')).toHaveLength(1);
    expect(wrapper.find('[data-testid="login-error"]').exists()).toBe(false);
    expect((wrapper.find('input[name="password"]').element as HTMLInputElement).value).toBe('');
  });
});
