import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import BaseDialogFooter from './BaseDialogFooter.vue';

const buttons = (wrapper: ReturnType<typeof mount>) => wrapper.findAll('button');

describe('BaseDialogFooter', () => {
  it('emits cancel and submit from its two buttons', async () => {
    const wrapper = mount(BaseDialogFooter, { props: { submitLabel: 'Create user' } });
    expect(buttons(wrapper).map((b) => b.text())).toEqual(['Cancel', 'Create user']);
    await buttons(wrapper)[0]!.trigger('click');
    await buttons(wrapper)[1]!.trigger('click');
    expect(Object.keys(wrapper.emitted())).toEqual(expect.arrayContaining(['cancel', 'submit']));
  });

  it('does not submit while disabled', async () => {
    const wrapper = mount(BaseDialogFooter, { props: { submitLabel: 'Save', disabled: true } });
    expect(buttons(wrapper)[1]!.attributes('disabled')).toBeDefined();
    await buttons(wrapper)[1]!.trigger('click');
    expect(wrapper.emitted('submit')).toBeUndefined();
  });

  it('shows only the cancel button, with its label, when there is nothing to submit', () => {
    const wrapper = mount(BaseDialogFooter, { props: { cancelLabel: 'Close' } });
    expect(buttons(wrapper).map((b) => b.text())).toEqual(['Close']);
  });

  it('shows the buttons given in its slot instead', () => {
    const wrapper = mount(BaseDialogFooter, { slots: { default: '<button>Done</button>' } });
    expect(buttons(wrapper).map((b) => b.text())).toEqual(['Done']);
  });
});
