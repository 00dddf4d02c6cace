// 工作台首页: coverage and status for a region, drilling down province → city →
// county → township → village through the chart, the table or the breadcrumb.
import { h, table, formatInt, percent } from '../dom.js';
import { t, tv } from '../i18n.js';
import { chart, COLORS, escapeHtml } from '../charts.js';

const STATUS = ['certified_ok', 'due', 'lapsed', 'uncertified', 'deceased'];

function counts(c) {
  return { ...c, certified_ok: c.certified - c.due };
}

function dashLink(region, month, live = false) {
  const q = new URLSearchParams();
  if (region) q.set('region', region);
  if (month) q.set('month', month);
  if (live) q.set('live', '1');
  const s = q.toString();
  return '#/dashboard' + (s ? '?' + s : '');
}

function kpi(label, value, detail, kind = '') {
  return h('div', { class: `kpi ${kind}` }, h('div', { class: 'kpi-label' }, label), h('div', { class: 'kpi-value' }, value),
    detail ? h('div', { class: 'kpi-detail' }, detail) : null);
}

// Coverage 90 % and below is red, 100 % green, in between from amber (dark
// enough for the white labels on it).
function coverageColor(rate) {
  if (!(rate >= 0.9)) return '#b71c1c';
  if (rate >= 0.995) return '#1b5e20';
  return rate >= 0.97 ? '#2e7d32' : '#a35200';
}

export async function dashboardView(app, { query }) {
  const region = query.get('region') || '';
  const month = query.get('month') || '';
  const live = query.get('live') === '1';
  const d = await app.api.get('/dashboard', { region, month, live: live ? '1' : '' },
    { onUnauthenticated: app.onUnauthenticated });
  const c = counts(d.total);
  const shownMonth = d.month;

  const monthInput = h('input', { type: 'month', value: shownMonth, name: 'month' });
  const monthForm = h('form', { class: 'inline' },
    h('label', { for: 'dash-month' }, t('dash.month')), monthInput,
    h('button', { type: 'submit' }, t('app.show')));
  monthInput.id = 'dash-month';
  monthForm.addEventListener('submit', (e) => { e.preventDefault(); app.go(dashLink(d.region, monthInput.value)); });

  const crumbs = h('nav', { class: 'breadcrumb', 'aria-label': t('dash.breadcrumb') },
    h('ol', {}, d.breadcrumb.map((b, i) => h('li', {},
      i === d.breadcrumb.length - 1 ? h('span', { 'aria-current': 'location' }, b.name)
        : h('a', { href: dashLink(b.code, month) }, b.name)))));

  const cards = h('section', { class: 'kpis', 'aria-label': t('dash.summary') },
    kpi(t('dash.recipients'), formatInt(c.recipients), t('dash.entitlements_n', { n: formatInt(c.entitlements) })),
    kpi(t('dash.certified'), formatInt(c.certified), t('dash.coverage', { p: percent(c.certified, c.recipients - c.deceased) }), 'ok'),
    kpi(t('dash.due'), formatInt(c.due), t('dash.due_hint'), 'warn'),
    kpi(t('dash.lapsed'), formatInt(c.lapsed), t('dash.lapsed_hint'), 'bad'),
    kpi(t('dash.uncertified'), formatInt(c.uncertified), '', c.uncertified ? 'bad' : ''),
    kpi(t('dash.deceased'), formatInt(c.deceased)),
    kpi(t('dash.suspended'), formatInt(c.suspended), t('dash.in_month', { m: shownMonth }), 'warn'),
    kpi(t('dash.terminated'), formatInt(c.terminated), t('dash.in_month', { m: shownMonth })),
    kpi(t('dash.overpaid_outstanding'), `¥${c.overpaid_outstanding}`, t('dash.recovered', { a: c.overpaid_recovered }), 'bad'));

  // By child region: a stacked bar per region (click to drill down) and the same table.
  const regionChart = h('div', { class: 'chart tall', role: 'img', 'aria-label': t('dash.by_region_chart') });
  const treemap = h('div', { class: 'chart treemap', role: 'img', 'aria-label': t('dash.treemap') });
  const regions = d.by_region.map((g) => ({ ...g, c: counts(g.counts) }));
  const drill = (code) => { if (!d.leaf && code) app.go(dashLink(code, month)); };
  const regionTable = table(t('dash.by_region'), [
    [t('dash.region'), (g) => d.leaf || g.code.length > 12 ? g.name : h('a', { href: dashLink(g.code, month) }, g.name || g.code)],
    [t('dash.recipients'), (g) => formatInt(g.c.recipients)],
    [t('dash.certified'), (g) => formatInt(g.c.certified)],
    [t('dash.coverage_col'), (g) => percent(g.c.certified, g.c.recipients - g.c.deceased)],
    [t('dash.due'), (g) => formatInt(g.c.due)],
    [t('dash.lapsed'), (g) => formatInt(g.c.lapsed)],
    [t('dash.suspended'), (g) => formatInt(g.c.suspended)],
    [t('dash.terminated'), (g) => formatInt(g.c.terminated)],
    [t('dash.overpaid_outstanding'), (g) => g.c.overpaid_outstanding],
  ], regions, { class: 'grid numbers', empty: t('app.none') });

  const schemeChart = h('div', { class: 'chart', role: 'img', 'aria-label': t('dash.by_scheme') });
  const methodChart = h('div', { class: 'chart', role: 'img', 'aria-label': t('dash.by_method') });
  const trendChart = h('div', { class: 'chart', role: 'img', 'aria-label': t('dash.trend') });
  const methods = Object.entries(c.certified_by_method || {});

  const trendTable = table(t('dash.trend'), [
    [t('dash.month'), (p) => p.month],
    [t('dash.certified'), (p) => formatInt(p.certified)],
    [t('dash.lapsed'), (p) => formatInt(p.lapsed)],
    [t('status.payable'), (p) => formatInt(p.payable)],
    [t('dash.suspended'), (p) => formatInt(p.suspended)],
    [t('dash.terminated'), (p) => formatInt(p.terminated)],
  ], d.trend || [], { class: 'grid numbers compact' });

  const feeds = d.feeds ? h('section', { class: 'panel' }, h('h2', {}, t('dash.feeds')), table(null, [
    [t('feeds.source'), (f) => tv('source', f.source)],
    [t('feeds.last_batch'), (f) => `${f.last_batch.received_on} · ${f.last_batch.file_name}`],
    [t('feeds.days_since'), (f) => h('span', { class: f.days_since_last > 45 ? 'bad' : '' }, String(f.days_since_last))],
    [t('feeds.rows_30d'), (f) => formatInt(f.rows_30d)],
    [t('feeds.link_rate'), (f) => `${(100 * f.link_rate_30d).toFixed(1)}%`],
    [t('feeds.rejected'), (f) => h('span', { class: f.reject_rate_30d > 0.02 ? 'bad' : '' }, `${formatInt(f.rejected_30d)} (${(100 * f.reject_rate_30d).toFixed(1)}%)`)],
    [t('feeds.dropped'), (f) => formatInt(f.dropped_30d)],
  ], d.feeds, { class: 'grid numbers', empty: t('feeds.none') })) : null;

  const run = d.run ? h('section', { class: 'panel' }, h('h2', {}, t('dash.run', { m: d.run.month })),
    h('p', {}, t('dash.run_line', {
      n: formatInt(d.run.entitlements), paid: formatInt(d.run.paid), s: formatInt(d.run.suspended),
      x: formatInt(d.run.terminated), amount: d.run.paid_amount, over: d.run.overpaid_amount, asof: d.run.as_of,
    }))) : null;

  const page = h('div', { class: 'dashboard' },
    h('div', { class: 'page-head' }, h('h1', {}, t('dash.title', { r: d.region_name })), monthForm),
    crumbs,
    h('p', { class: 'muted' }, t('dash.as_of', { d: d.as_of, m: shownMonth })),
    // Figures from a statistics snapshot say so; one the data has moved on
    // from offers the live figures.
    d.snapshot ? h('p', { class: d.snapshot.current ? 'muted snapshot' : 'warn snapshot' },
      t(d.snapshot.current ? 'dash.snapshot' : 'dash.snapshot_stale', { t: d.snapshot.taken_at }),
      d.snapshot.current ? null : h('a', { href: dashLink(d.region, month, true) }, t('dash.live'))) : null,
    cards,
    h('section', { class: 'panel' }, h('h2', {}, d.leaf ? t('dash.this_region') : t('dash.by_region')),
      d.leaf ? null : h('p', { class: 'muted' }, t('dash.drill_hint')), d.leaf ? null : treemap, regionChart, regionTable),
    h('div', { class: 'columns' },
      h('section', { class: 'panel' }, h('h2', {}, t('dash.by_scheme')), schemeChart),
      h('section', { class: 'panel' }, h('h2', {}, t('dash.by_method')), methodChart)),
    h('section', { class: 'panel' }, h('h2', {}, t('dash.trend')), trendChart, trendTable),
    run, feeds);

  // Charts are drawn once the page is in the document (they need its size).
  requestAnimationFrame(() => {
    if (!document.body.contains(regionChart)) return;  // the user moved on
    const names = regions.map((g) => g.name || g.code);
    if (!d.leaf) {
      chart(treemap, {
        tooltip: { formatter: (p) => `${escapeHtml(p.name)}<br>${escapeHtml(t('dash.recipients'))} ${formatInt(p.value)}<br>${escapeHtml(t('dash.coverage_col'))} ${escapeHtml(p.data.coverage)}` },
        series: [{
          type: 'treemap', roam: false, nodeClick: false, breadcrumb: { show: false }, top: 0, bottom: 0, left: 0, right: 0,
          label: { show: true, formatter: (p) => `${p.name}\n${p.data.coverage}` },
          data: regions.map((g) => ({
            name: g.name || g.code, value: g.c.recipients, code: g.code,
            coverage: percent(g.c.certified, g.c.recipients - g.c.deceased),
            itemStyle: { color: coverageColor(g.c.certified / Math.max(1, g.c.recipients - g.c.deceased)) },
          })),
        }],
      }, (p) => drill(p.data && p.data.code));
    }
    chart(regionChart, {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: names.length > 8 ? 40 : 0 } },
      yAxis: { type: 'value' },
      series: STATUS.map((s) => ({
        name: tv('dash', s), type: 'bar', stack: 'all', itemStyle: { color: COLORS[s === 'certified_ok' ? 'certified' : s] },
        data: regions.map((g) => ({ value: g.c[s], code: g.code })),
      })),
    }, (p) => drill(p.data && p.data.code));
    chart(schemeChart, {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: d.by_scheme.map((g) => tv('scheme', g.scheme)) },
      yAxis: { type: 'value' },
      series: [
        { name: t('dash.certified'), type: 'bar', itemStyle: { color: COLORS.certified }, data: d.by_scheme.map((g) => g.counts.certified) },
        { name: t('dash.lapsed'), type: 'bar', itemStyle: { color: COLORS.lapsed }, data: d.by_scheme.map((g) => g.counts.lapsed) },
        { name: t('dash.suspended'), type: 'bar', itemStyle: { color: COLORS.suspended }, data: d.by_scheme.map((g) => g.counts.suspended) },
      ],
    });
    chart(methodChart, {
      tooltip: { trigger: 'item' },
      legend: { top: 0 },
      series: [{ type: 'pie', radius: ['35%', '65%'], top: 30,
        data: methods.map(([m, n]) => ({ name: tv('method', m), value: n })) }],
    });
    chart(trendChart, {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: (d.trend || []).map((p) => p.month) },
      yAxis: { type: 'value' },
      series: [
        { name: t('dash.certified'), type: 'line', itemStyle: { color: COLORS.certified }, data: d.trend.map((p) => p.certified) },
        { name: t('status.payable'), type: 'line', itemStyle: { color: COLORS.payable }, data: d.trend.map((p) => p.payable) },
        { name: t('dash.suspended'), type: 'line', itemStyle: { color: COLORS.suspended }, data: d.trend.map((p) => p.suspended) },
        { name: t('dash.terminated'), type: 'line', itemStyle: { color: COLORS.terminated }, data: d.trend.map((p) => p.terminated) },
      ],
    });
  });
  return page;
}
