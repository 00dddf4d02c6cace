// 报表导出: the monthly statistics and the lists staff act on, as Excel
// (.xlsx) or CSV, for a region and month; the server names the file with both
// and records each export in the audit trail.
import { h, field } from '../dom.js';
import { t, tv } from '../i18n.js';

// Fetches the file first, so that a refusal (a region outside the account's,
// an ended session) is shown as the server's message, not saved as a file.
async function download(app, url, status) {
  status.textContent = t('reports.preparing');
  status.className = '';
  try {
    const res = await fetch(url, { credentials: 'same-origin' });
    if (!res.ok) {
      const body = await res.json().catch(() => null);
      if (res.status === 401) return app.onUnauthenticated();
      throw new Error((body && body.error && body.error.message) || `HTTP ${res.status}`);
    }
    const disposition = res.headers.get('Content-Disposition') || '';
    const utf8 = disposition.match(/filename\*=UTF-8''([^;]+)/);
    const plain = disposition.match(/filename="([^"]+)"/);
    const name = utf8 ? decodeURIComponent(utf8[1]) : plain ? plain[1] : 'report';
    const blob = URL.createObjectURL(await res.blob());
    const a = h('a', { href: blob, download: name });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(blob), 60000);
    status.textContent = t('reports.saved', { name });
  } catch (err) {
    status.textContent = err.message;
    status.className = 'error';
  }
}

export async function reportsView(app, { query }) {
  const now = new Date();
  const month = h('input', { type: 'month', name: 'month', value: query.get('month') || `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}` });
  const region = h('input', { name: 'region', inputmode: 'numeric', maxlength: 12, pattern: '[0-9]*', value: query.get('region') || (app.state.user.region || '') });
  const status = h('p', { role: 'status', 'aria-live': 'polite' });
  // The reports this role may export, as the server lists them.
  const { reports } = await app.api.get('/reports');
  const rows = reports.map(({ name }) => {
    const link = (format) => {
      const a = h('a', { class: 'download', download: '', 'data-report': name, 'data-format': format }, format === 'xlsx' ? 'Excel (.xlsx)' : 'CSV');
      a.addEventListener('click', (e) => { e.preventDefault(); download(app, a.href, status); });
      const update = () => {
        const q = new URLSearchParams({ month: month.value, format });
        if (region.value) q.set('region', region.value);
        a.href = `/api/v1/reports/${name}?${q}`;
      };
      update();
      month.addEventListener('input', update);
      region.addEventListener('input', update);
      return a;
    };
    return h('tr', {}, h('th', { scope: 'row' }, tv('report', name)), h('td', {}, tv('report_desc', name)),
      h('td', {}, link('xlsx'), ' · ', link('csv')));
  });
  return h('div', {}, h('h1', {}, t('reports.title')), status,
    h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() },
      field(t('reports.region'), region, t('queue.region_hint')), field(t('reports.month'), month)),
    h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('reports.name')),
      h('th', { scope: 'col' }, t('reports.what')), h('th', { scope: 'col' }, t('reports.download')))),
    h('tbody', {}, rows)),
    h('p', { class: 'muted' }, t('reports.note')));
}
