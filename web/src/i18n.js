// Messages shown to people: Chinese first (the agency's legal terms), English
// by the language switch. Keys are English; a key missing from a catalogue
// falls back to Chinese, then to the key itself.
import { zh } from './messages_zh.js';
import { en } from './messages_en.js';

const catalogues = { zh, en };
const LANG_KEY = 'tacit.lang';

export function lang() {
  const saved = localStorage.getItem(LANG_KEY);
  return saved === 'en' ? 'en' : 'zh';
}

export function setLang(value) {
  localStorage.setItem(LANG_KEY, value === 'en' ? 'en' : 'zh');
  document.documentElement.lang = value === 'en' ? 'en' : 'zh-CN';
}

// t('dash.recipients') or t('n_rows', {n: 3}): {name} in a message is replaced.
export function t(key, params = {}) {
  const text = catalogues[lang()][key] ?? zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (params[name] ?? `{${name}}`));
}

document.documentElement.lang = lang() === 'en' ? 'en' : 'zh-CN';

// A value's label from a namespace ('scheme', 'enterprise'): the value itself
// when the catalogue has no label for it (a new kind in the policy, say).
export function tv(namespace, value) {
  const key = `${namespace}.${value}`;
  return catalogues[lang()][key] ?? zh[key] ?? String(value ?? '');
}
