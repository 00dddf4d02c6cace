// 登录: name and password; the reply carries the CSRF token the other calls send.
import { h, field } from '../dom.js';
import { setCsrf } from '../api.js';
import { t } from '../i18n.js';

export function loginView(app, onSignedIn) {
  const name = h('input', { name: 'name', autocomplete: 'username', required: true, maxlength: 64 });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const message = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit' }, t('login.submit'));
  const form = h('form', { class: 'login card', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, t('login.title')),
    field(t('login.name'), name),
    field(t('login.password'), password),
    button, message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.textContent = '';
    button.disabled = true;
    try {
      const reply = await app.api.post('/session', { name: name.value.trim(), password: password.value });
      setCsrf(reply.csrf_token);
      password.value = '';
      onSignedIn(reply.user);
    } catch (e) {
      message.textContent = e.code === 'locked' ? t('login.locked') : e.status === 401 ? t('login.failed') : e.message;
      password.select();
    } finally {
      button.disabled = false;
    }
  });
  setTimeout(() => name.focus(), 0);
  return form;
}
