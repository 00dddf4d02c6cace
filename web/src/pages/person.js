// 人员查询 and 人员详情: search by identity number or by name and birth date
// (in the request body, never the URL), then one person's whole record,
// masked; the full values only through an audited reveal with a reason.
import { h, table, field, clear } from '../dom.js';
import { t, tv } from '../i18n.js';

function statusBadge(kind, status) {
  return h("span", { class: `badge ${kind}-${status}` }, tv(kind, status));
}

export async function searchView(app) {
  const id = h('input', { name: 'id_number', autocomplete: 'off', maxlength: 18, inputmode: 'text', spellcheck: 'false' });
  const name = h('input', { name: 'name', autocomplete: 'off', maxlength: 32 });
  const birth = h('input', { name: 'birth_date', type: 'date' });
  const results = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card search' },
    h('h1', {}, t('search.title')),
    field(t('search.id_number'), id, t('search.id_hint')),
    h('p', { class: 'muted' }, t('search.or')),
    h('div', { class: 'row' }, field(t('search.name'), name), field(t('search.birth_date'), birth)),
    h('button', { type: 'submit' }, t('search.submit')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(results);
    const body = id.value.trim() ? { id_number: id.value.trim() } : { name: name.value.trim(), birth_date: birth.value };
    try {
      const r = await app.api.post('/persons/search', body);
      results.appendChild(table(t('search.results', { n: r.persons.length }), [
        [t('person.id_number'), (p) => h('a', { href: `#/person/${p.handle}` }, p.id_number)],
        [t('person.name'), (p) => p.name],
        [t('person.sex'), (p) => tv('sex', p.sex)],
        [t('person.region'), (p) => p.region_name || p.region_code],
      ], r.persons, { empty: t('search.none') }));
    } catch (err) {
      results.appendChild(h('p', { class: 'error', role: 'alert' }, err.message));
    }
  });
  setTimeout(() => id.focus(), 0);
  return h('div', {}, form, results);
}

function certificationClock(cert, asOf) {
  let left = '';
  if (cert.valid_through && cert.status !== 'deceased') {
    const [y, m] = cert.valid_through.split('-').map(Number);
    const end = new Date(Date.UTC(y, m, 0));
    const today = new Date(asOf + 'T00:00:00Z');
    const days = Math.round((end - today) / 86400000);
    left = days >= 0 ? t('person.days_left', { n: days }) : t('person.days_over', { n: -days });
  }
  return h('section', { class: `panel clock cert-${cert.status}`, 'aria-labelledby': 'cert-h' },
    h('h2', { id: 'cert-h' }, t('person.certification')),
    h('dl', { class: 'facts' },
      h('dt', {}, t('person.cert_status')), h('dd', {}, statusBadge('cert', cert.status)),
      h('dt', {}, t('person.last_certified')), h('dd', {}, cert.last_certified_on || '—'),
      h('dt', {}, t('person.method')), h('dd', {}, cert.method ? tv('method', cert.method) : '—'),
      h('dt', {}, t('person.valid_through')), h('dd', {}, cert.valid_through || '—', left ? h('span', { class: 'muted' }, ` (${left})`) : null),
      cert.death_date ? [h('dt', {}, t('person.death_date')), h('dd', {}, cert.death_date)] : null));
}

function revealPanel(app, p, fields) {
  const reason = h('input', { name: 'reason', maxlength: 200, required: true });
  const out = h('p', { 'aria-live': 'polite' });
  const form = h('form', { class: 'inline reveal' }, field(t('person.reveal_reason'), reason),
    h('button', { type: 'submit' }, t('person.reveal')), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await app.api.post(`/persons/${p.handle}/reveal`, { reason: reason.value.trim() });
      fields.id.textContent = r.id_number;
      fields.name.textContent = r.name;
      fields.phone.textContent = r.phone || '—';
      out.textContent = t('person.revealed');
      reason.value = '';
    } catch (err) {
      out.textContent = err.message;
    }
  });
  return form;
}

// 登记追回: money paid back, set against the oldest overpaid months first;
// the server refuses more than is owed and records who entered it.
function recoveryForm(app, p) {
  const outstanding = p.entitlements.reduce((sum, e) => sum + Math.round(Number(e.outstanding) * 100), 0);
  const amount = h('input', { name: 'amount', inputmode: 'decimal', required: true, pattern: '[0-9]+(\\.[0-9]{1,2})?' });
  const method = h('select', { name: 'method' }, ['lump', 'instalment', 'offset'].map((m) => h('option', { value: m }, tv('rec_method', m))));
  const on = h('input', { name: 'on', type: 'date', value: new Date().toISOString().slice(0, 10) });
  const note = h('input', { name: 'note', maxlength: 200 });
  const out = h('p', { role: 'status' });
  const form = h('form', { class: 'inline recovery' },
    field(t('rec.amount_yuan', { max: (outstanding / 100).toFixed(2) }), amount), field(t('rec.method'), method),
    field(t('rec.on'), on), field(t('rec.note'), note), h('button', { type: 'submit' }, t('rec.record')), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const body = { amount: amount.value.trim(), method: method.value, on: on.value };
      if (note.value.trim()) body.note = note.value.trim();
      const r = await app.api.post(`/persons/${p.handle}/recoveries`, body);
      app.toast(t('rec.recorded', { a: body.amount, out: r.outstanding }));
      app.go(`#/person/${p.handle}?_=${Date.now()}`);
    } catch (err) {
      out.textContent = err.message;
      out.className = 'error';
    }
  });
  return form;
}

export async function personView(app, { args }) {
  const handle = args[0];
  const p = await app.api.get(`/persons/${encodeURIComponent(handle)}`, { months: 24 });
  const idCell = h('span', { class: 'mono' }, p.id_number);
  const nameCell = h('span', {}, p.name);
  const phoneCell = h('span', { class: 'mono' }, p.phone || '—');
  const profile = h('section', { class: 'panel', 'aria-labelledby': 'prof-h' },
    h('h2', { id: 'prof-h' }, t('person.profile')),
    h('dl', { class: 'facts' },
      h('dt', {}, t('person.id_number')), h('dd', {}, idCell),
      h('dt', {}, t('person.name')), h('dd', {}, nameCell),
      h('dt', {}, t('person.sex')), h('dd', {}, tv('sex', p.sex)),
      h('dt', {}, t('person.birth_year')), h('dd', {}, String(p.birth_year || '—')),
      h('dt', {}, t('person.phone')), h('dd', {}, phoneCell),
      h('dt', {}, t('person.region')), h('dd', {}, `${p.region_name || ''} (${p.region_code})`),
      h('dt', {}, t('person.special_care')), h('dd', {}, p.special_care ? t('app.yes') : t('app.no')),
      h('dt', {}, t('person.face')), h('dd', {}, p.face && p.face.enrolled ? t('person.face_enrolled') : t('person.face_none'))),
    app.may('person.reveal') ? revealPanel(app, p, { id: idCell, name: nameCell, phone: phoneCell }) : null);

  const entitlements = p.entitlements.map((e) => h('section', { class: 'panel', 'aria-label': t('person.entitlement') },
    h('h3', {}, `${tv('scheme', e.scheme)} · ${t('person.paying_region')} ${e.paying_region} · ${t('person.monthly')} ¥${e.monthly_amount} · `,
      statusBadge('status', e.status)),
    h('p', { class: 'muted' }, t('person.ledger_line', { start: e.start_month, over: e.overpaid, rec: e.recovered, out: e.outstanding, arr: e.arrears })),
    table(t('person.schedule'), [
      [t('person.month'), (m) => m.month],
      [t('person.decision'), (m) => statusBadge('status', m.status)],
      [t('person.due'), (m) => m.due],
      [t('person.paid'), (m) => m.paid],
      [t('person.reason'), (m) => h('span', {}, m.explanation, h('br'), h('small', { class: 'muted' }, `${m.rule} · ${m.reference || ''}`))],
    ], [...e.months].reverse(), { class: 'grid schedule', empty: t('app.none') }),
    e.receivables && e.receivables.length ? table(t('person.receivables'), [
      [t('person.month'), (r) => r.month], [t('person.amount'), (r) => r.amount], [t('person.recovered'), (r) => r.recovered],
      [t('person.rule'), (r) => r.rule], [t('person.found_in'), (r) => r.run_month],
    ], e.receivables, { class: 'grid numbers compact' }) : null));

  const evidence = h('section', { class: 'panel', 'aria-labelledby': 'ev-h' }, h('h2', { id: 'ev-h' }, t('person.evidence')),
    table(null, [
      [t('person.occurred_on'), (x) => x.occurred_on],
      [t('person.kind'), (x) => h('span', { class: `ev-${x.class}` }, tv('kind', x.kind))],
      [t('person.source'), (x) => tv('source', x.source)],
      [t('person.received_on'), (x) => x.received_on],
      [t('person.link'), (x) => `${x.link_method}${x.link_score < 1 ? ' ' + x.link_score.toFixed(3) : ''}`],
      [t('person.ref'), (x) => h('span', { class: 'mono' }, x.ref)],
    ], [...p.evidence].reverse(), { empty: t('app.none') }));

  const cases = h('section', { class: 'panel' }, h('h2', {}, t('person.cases')), table(null, [
    [t('cases.id'), (c) => h('a', { href: `#/cases?id=${c.id}` }, `#${c.id}`)],
    [t('cases.type'), (c) => tv('case', c.type)],
    [t('cases.status'), (c) => tv('case_status', c.status)],
    [t('cases.summary'), (c) => c.summary],
    [t('cases.at_stake'), (c) => c.at_stake],
  ], p.cases || [], { empty: t('app.none') }));
  const messages = h('section', { class: 'panel' }, h('h2', {}, t('person.messages')), table(null, [
    [t('msg.created'), (m) => m.created_on], [t('msg.channel'), (m) => m.channel_zh || m.channel],
    [t('msg.status'), (m) => m.status_zh || m.status], [t('msg.text'), (m) => m.text],
    [t('msg.failure'), (m) => m.failure_zh || ''],
  ], p.messages || [], { empty: t('app.none') }));
  const visits = h('section', { class: 'panel' }, h('h2', {}, t('person.visits')), table(null, [
    [t('visits.id'), (v) => `#${v.id}`], [t('visits.reason'), (v) => v.reason_zh || v.reason],
    [t('visits.status'), (v) => v.status_zh || v.status], [t('visits.due_on'), (v) => v.due_on],
    [t('visits.assigned_to'), (v) => v.assigned_to || '—'], [t('visits.outcome'), (v) => v.outcome_zh || '—'],
  ], p.visits || [], { empty: t('app.none') }));
  const owed = p.entitlements.some((e) => Number(e.outstanding) > 0);
  const recoveries = h('section', { class: 'panel' }, h('h2', {}, t('person.recoveries')),
    app.may('recovery.record') && owed ? recoveryForm(app, p) : null, table(null, [
    [t('rec.on'), (r) => r.on || r.recovered_on || ''], [t('rec.amount'), (r) => r.amount],
    [t('rec.method'), (r) => tv('rec_method', r.method)], [t('rec.note'), (r) => r.note || ''],
  ], p.recoveries || [], { empty: t('app.none') }));

  return h('div', { class: 'person' },
    h('div', { class: 'page-head' }, h('h1', {}, t('person.title', { id: p.id_number })),
      h('a', { href: '#/search' }, t('person.back'))),
    h('p', { class: 'muted' }, t('person.as_of', { d: p.as_of })),
    h('div', { class: 'columns' }, profile, certificationClock(p.certification, p.as_of)),
    h('h2', {}, t('person.entitlements')), entitlements, evidence, cases, messages, visits, recoveries);
}
