// The one way the pages talk to the server: JSON over /api/v1 with the
// session cookie, the CSRF token on every change, and errors turned into
// ApiError with the server's message (already in Chinese and English).
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || 'http';
    this.field = e.field || '';
  }
}

const CSRF_KEY = 'tacit.csrf';

export function setCsrf(token, storageKey = CSRF_KEY) {
  if (token) sessionStorage.setItem(storageKey, token);
  else sessionStorage.removeItem(storageKey);
}

export function makeApi(base = '/api/v1', storageKey = CSRF_KEY) {
  async function call(method, path, { body, query, raw, headers = {}, onUnauthenticated } = {}) {
    let url = base + path;
    if (query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
      const s = q.toString();
      if (s) url += (url.includes('?') ? '&' : '?') + s;
    }
    const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json', ...headers } };
    if (method !== 'GET') {
      const token = sessionStorage.getItem(storageKey);
      if (token) init.headers['X-CSRF-Token'] = token;
    }
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    } else if (raw !== undefined) {
      init.body = raw;
    }
    const res = await fetch(url, init);
    const type = res.headers.get('Content-Type') || '';
    const data = type.includes('json') ? await res.json().catch(() => null) : null;
    if (!res.ok) {
      const err = new ApiError(res.status, data);
      if (res.status === 401 && onUnauthenticated) onUnauthenticated(err);
      throw err;
    }
    return data;
  }
  return {
    get: (path, query, opts) => call('GET', path, { query, ...opts }),
    post: (path, body, opts) => call('POST', path, { body, ...opts }),
    put: (path, body, opts) => call('PUT', path, { body, ...opts }),
    del: (path, opts) => call('DELETE', path, opts),
    call,
  };
}
