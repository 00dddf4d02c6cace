// 报表导出: the monthly statistics and the lists staff act on, as Excel
// (.xlsx) or CSV, for a region and month; the server names the file with both
// and records each export in the audit trail.
import { h, field } from '../dom.js';
import { t, tv } from '../i18n.js';

export async function reportsView(app, { query }) {
  const now = new Date();
  const month = h('input', { type: 'month', name: 'month', value: query.get('month') || `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}` });
  const region = h('input', { name: 'region', inputmode: 'numeric', maxlength: 12, pattern: '[0-9]*', value: query.get('region') || (app.state.user.region || '') });
  // The reports this role may export, as the server lists them.
  const { reports } = await app.api.get('/reports');
  const rows = reports.map(({ name }) => {
    const link = (format) => {
      const a = h('a', { class: 'download', download: '', 'data-report': name, 'data-format': format }, format === 'xlsx' ? 'Excel (.xlsx)' : 'CSV');
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
  return h('div', {}, h('h1', {}, t('reports.title')),
    h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() },
      field(t('reports.region'), region, t('queue.region_hint')), field(t('reports.month'), month)),
    h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('reports.name')),
      h('th', { scope: 'col' }, t('reports.what')), h('th', { scope: 'col' }, t('reports.download')))),
    h('tbody', {}, rows)),
    h('p', { class: 'muted' }, t('reports.note')));
}
