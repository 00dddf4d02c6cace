// 工作队列: review of proposed links (side by side), cases, home visits and
// recoveries; each filtered by region and age, each decision sent with the
// note the server records with who decided.
import { h, table, field, clear, formatInt } from '../dom.js';
import { t, tv } from '../i18n.js';

// The filter bar every queue shares; `extra` adds the queue's own controls.
function filterBar(app, name, query, extra = []) {
  const region = h('input', { name: 'region', value: query.get('region') || '', inputmode: 'numeric', maxlength: 12, pattern: '[0-9]*', size: 12 });
  const ageMin = h('input', { name: 'age_min', type: 'number', min: 0, max: 150, value: query.get('age_min') || '' });
  const ageMax = h('input', { name: 'age_max', type: 'number', min: 0, max: 150, value: query.get('age_max') || '' });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': t('queue.filters') },
    field(t('queue.region'), region, t('queue.region_hint')), field(t('queue.age_min'), ageMin), field(t('queue.age_max'), ageMax),
    extra.map(([label, control]) => field(label, control)),
    h('button', { type: 'submit' }, t('queue.apply')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const el of form.querySelectorAll('input, select')) if (el.value) q.set(el.name, el.value);
    app.go(`#/${name}?${q}`);
  });
  return form;
}

function filterQuery(query, names) {
  const q = {};
  for (const n of ['region', 'age_min', 'age_max', ...names]) if (query.get(n)) q[n] = query.get(n);
  return q;
}

// A person's masked number, a link to the person page for those who may open it.
function personLink(app, p) {
  return app.may('person.read') ? h('a', { href: `#/person/${p.handle}` }, p.id_number) : h('span', { class: 'mono' }, p.id_number);
}

function noteForm(label, buttons, onSubmit) {
  const note = h('textarea', { name: 'note', rows: 2, maxlength: 2000, required: true });
  const out = h('p', { role: 'status' });
  const form = h('form', { class: 'decide' }, field(label, note), h('div', { class: 'buttons' },
    buttons.map(([key, text, cls]) => h('button', { type: 'submit', value: key, class: cls || '' }, text))), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const which = e.submitter ? e.submitter.value : buttons[0][0];
    out.textContent = '';
    try {
      await onSubmit(which, note.value.trim(), form);
    } catch (err) {
      out.textContent = err.message;
      out.className = 'error';
    }
  });
  return form;
}

// ---- 关联复核 -----------------------------------------------------------------

export async function reviewsView(app, { query }) {
  const status = query.get('status') || 'open';
  const select = h('select', { name: 'status' }, ['open', 'accepted', 'rejected', 'all'].map((s) =>
    h('option', { value: s, selected: s === status }, tv('review_status', s))));
  const r = await app.api.get('/reviews', filterQuery(query, ['status']));
  const detail = h('div', { class: 'review-detail', 'aria-live': 'polite' });
  const list = table(t('reviews.count', { n: r.reviews.length }), [
    [t('reviews.record'), (i) => h('button', { type: 'button', class: 'link', onclick: () => showReview(app, i.evidence_id, detail) },
      `#${i.evidence_id} ${i.kind_label || i.kind}`)],
    [t('reviews.source'), (i) => i.source],
    [t('reviews.occurred_on'), (i) => i.occurred_on],
    [t('reviews.candidate'), (i) => personLink(app, i.candidate)],
    [t('reviews.probability'), (i) => i.probability.toFixed(4)],
    [t('reviews.status'), (i) => tv('review_status', i.status)],
  ], r.reviews, { empty: t('reviews.none') });
  const id = query.get('id');
  if (id) showReview(app, id, detail);
  return h('div', {}, h('h1', {}, t('menu.reviews')), filterBar(app, 'reviews', query, [[t('queue.status'), select]]),
    h('div', { class: 'split' }, list, detail));
}

// Draws one detail into `box`: the last one asked for wins, an error is shown
// in the box.
async function showDetail(box, load) {
  const ticket = (box.ticket = (box.ticket || 0) + 1);
  clear(box).appendChild(h('p', { class: 'loading', role: 'status' }, t('app.loading')));
  try {
    const content = await load();
    if (box.ticket === ticket) clear(box).appendChild(content);
  } catch (err) {
    if (box.ticket === ticket) clear(box).appendChild(h('p', { class: 'error', role: 'alert' }, err.message));
  }
}

function showReview(app, id, box) {
  return showDetail(box, () => reviewPanel(app, id));
}

async function reviewPanel(app, id) {
  const i = await app.api.get(`/reviews/${encodeURIComponent(Number(id) || 0)}`);
  const rows = [
    ['person.id_number', i.record.id_number || `(${i.record.id_problem || '—'})`, i.candidate.id_number],
    ['person.name', i.record.name, i.candidate.name],
    ['person.sex', i.record.sex ? tv('sex', i.record.sex) : '—', i.candidate.sex ? tv('sex', i.candidate.sex) : '—'],
    ['person.birth_year', i.record.birth_year ?? '—', i.candidate.birth_year ?? '—'],
    ['person.region', i.record.region_code || '—', i.candidate.region_code],
  ];
  return (h('section', { class: 'panel', 'aria-labelledby': 'rv-h' },
    h('h2', { id: 'rv-h' }, t('reviews.detail', { id: i.evidence_id })),
    h('p', {}, `${i.kind_label || i.kind} · ${i.source} · ${i.occurred_on} · ${t('reviews.probability')} ${i.probability.toFixed(4)}`),
    h('table', { class: 'grid side' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), h('th', { scope: 'col' }, t('reviews.record_side')),
        h('th', { scope: 'col' }, t('reviews.candidate_side')))),
      h('tbody', {}, rows.map(([k, a, b]) => h('tr', { class: String(a) === String(b) ? 'same' : 'differ' },
        h('th', { scope: 'row' }, t(k)), h('td', {}, String(a)), h('td', {}, String(b)))))),
    table(t('reviews.comparisons'), [
      [t('reviews.comparison'), (c) => c.comparison], [t('reviews.level'), (c) => c.level], [t('reviews.bits'), (c) => c.bits.toFixed(2)],
    ], i.comparisons || [], { class: 'grid compact' }),
    i.status !== 'open' ? h('p', {}, t('reviews.decided', { by: i.decided_by || '—', at: i.decided_at || '', note: i.note || '' }))
      : app.may('review.decide') ? noteForm(t('reviews.note'), [['accept', t('reviews.accept')], ['reject', t('reviews.reject'), 'secondary']],
        async (which, note) => {
          await app.api.post(`/reviews/${i.evidence_id}/${which}`, { note });
          app.toast(which === 'accept' ? t('reviews.accepted') : t('reviews.rejected'));
          app.go(`#/reviews?id=${i.evidence_id}&status=all`);
        }) : null));
}

// ---- 待核查事项 ---------------------------------------------------------------

export async function casesView(app, { query }) {
  const status = query.get('status') || 'open';
  const select = h('select', { name: 'status' }, ['open', 'resolved', 'all'].map((s) =>
    h('option', { value: s, selected: s === status }, tv('case_status', s))));
  const r = await app.api.get('/cases', filterQuery(query, ['status']));
  const detail = h('div', { 'aria-live': 'polite' });
  const id = query.get('id');
  if (id) showCase(app, id, detail);
  return h('div', {}, h('h1', {}, t('menu.cases')), filterBar(app, 'cases', query, [[t('queue.status'), select]]),
    h('div', { class: 'split' }, table(t('cases.count', { n: r.cases.length }), [
      [t('cases.id'), (c) => h('button', { type: 'button', class: 'link', onclick: () => showCase(app, c.id, detail) }, `#${c.id}`)],
      [t('cases.type'), (c) => tv('case', c.type)],
      [t('cases.person'), (c) => personLink(app, c)],
      [t('cases.summary'), (c) => c.summary],
      [t('cases.at_stake'), (c) => c.at_stake],
      [t('cases.status'), (c) => tv('case_status', c.status)],
    ], r.cases, { empty: t('cases.none') }), detail));
}

function showCase(app, id, box) {
  return showDetail(box, () => casePanel(app, id));
}

async function casePanel(app, id) {
  const c = await app.api.get(`/cases/${encodeURIComponent(Number(id) || 0)}`);
  const decisions = ['void_evidence', 'fraud', 'dismiss'].concat(c.type === 'face_review' ? ['confirm_face'] : []);
  const decision = h('select', { name: 'decision' }, decisions.map((d) =>
    h('option', { value: d, selected: d === c.suggestion }, tv('decision', d))));
  const evidence = h('select', { name: 'evidence_id' }, (c.evidence || []).map((e) =>
    h('option', { value: e.id }, `#${e.id} ${e.kind} ${e.occurred_on} (${e.source})`)));
  const amount = h('input', { name: 'amount', inputmode: 'decimal', value: c.at_stake || '' });
  return (h('section', { class: 'panel', 'aria-labelledby': 'case-h' },
    h('h2', { id: 'case-h' }, `#${c.id} ${tv('case', c.type)}`),
    h('p', {}, c.summary),
    h('p', {}, personLink(app, c.person), ` ${c.person.name} · ${c.person.region_name || ''} · ${t('cases.at_stake')} ¥${c.at_stake} · ${t('cases.suggestion')}: ${tv('decision', c.suggestion)}`),
    c.status !== 'open' ? h('p', {}, t('cases.decided', { d: t('decision.' + (c.decision || 'dismiss')), by: c.resolved_by || '', at: c.resolved_at || '', note: c.note || '' }))
      : app.may('case.decide') ? h('div', {},
        field(t('cases.decision'), decision), field(t('cases.evidence'), evidence), field(t('cases.amount'), amount),
        noteForm(t('cases.note'), [['resolve', t('cases.resolve')]], async (_, note) => {
          const body = { decision: decision.value, note };
          if (decision.value === 'void_evidence') body.evidence_id = Number(evidence.value);
          if (decision.value === 'fraud') body.amount = amount.value.trim();
          await app.api.post(`/cases/${c.id}/resolve`, body);
          app.toast(t('cases.resolved'));
          app.go(`#/cases?id=${c.id}&status=all`);
        })) : null));
}

// ---- 上门认证任务 -------------------------------------------------------------

export async function visitsView(app, { query }) {
  const status = query.get('status') || 'active';
  const select = h('select', { name: 'status' }, ['active', 'open', 'assigned', 'done', 'cancelled', 'all'].map((s) =>
    h('option', { value: s, selected: s === status }, tv('visit_status', s))));
  const r = await app.api.get('/visits', filterQuery(query, ['status']));
  const chosen = new Set();
  const assignee = h('input', { name: 'assignee', maxlength: 32 });
  const bulkOut = h('p', { role: 'status' });
  const bulk = h('form', { class: 'bulk' }, field(t('visits.assign_to'), assignee),
    h('button', { type: 'submit' }, t('visits.assign_selected')), bulkOut);
  bulk.addEventListener('submit', async (e) => {
    e.preventDefault();
    let done = 0;
    const errors = [];
    for (const id of chosen) {
      try {
        await app.api.post(`/visits/${id}/assign`, { to: assignee.value.trim() });
        ++done;
      } catch (err) {
        errors.push(`#${id}: ${err.message}`);
      }
    }
    app.toast(t('visits.assigned', { n: done }), errors.length ? 'error' : 'info');
    if (errors.length) bulkOut.textContent = errors.join('；');
    else app.go(`#/visits?${new URLSearchParams({ ...Object.fromEntries(query), _: String(Date.now()) })}`);
  });
  const canAssign = app.may('visit.assign');
  const canComplete = app.may('visit.complete');
  const outcomeBox = h('div', { 'aria-live': 'polite' });
  const list = table(t('visits.count', { n: r.visits.length }), [
    canAssign ? [h('span', { class: 'sr-only' }, t('visits.select')), (v) => (v.status === 'open' || v.status === 'assigned')
      ? h('input', { type: 'checkbox', 'aria-label': t('visits.select_one', { id: v.id }), onchange: (e) => { if (e.target.checked) chosen.add(v.id); else chosen.delete(v.id); } }) : ''] : null,
    [t('visits.id'), (v) => `#${v.id}`],
    [t('cases.person'), (v) => personLink(app, v.person)],
    [t('person.name'), (v) => v.person.name || ''],
    [t('person.region'), (v) => v.region_name || v.region_code],
    [t('visits.reason'), (v) => v.reason_zh || v.reason],
    [t('visits.due_on'), (v) => h('span', { class: v.overdue ? 'bad' : '' }, v.due_on + (v.overdue ? ` ${t('visits.overdue')}` : ''))],
    [t('visits.status'), (v) => v.status_zh || v.status],
    [t('visits.assigned_to'), (v) => v.assigned_to || '—'],
    canComplete ? [t('visits.outcome'), (v) => (v.status === 'open' || v.status === 'assigned')
      ? h('button', { type: 'button', class: 'link', onclick: () => outcomeForm(app, v, outcomeBox, query) }, t('visits.record', { id: v.id }))
      : (v.outcome_zh || '—')] : null,
  ].filter(Boolean), r.visits, { empty: t('visits.none') });
  return h('div', {}, h('h1', {}, t('menu.visits')), filterBar(app, 'visits', query, [[t('queue.status'), select]]),
    canAssign ? bulk : null, h('div', { class: 'split' }, list, outcomeBox));
}

// 登记上门结果: what the visitor found. The photo taken with the person stays
// on the device and in the agency's archive: only its SHA-256 is sent.
function outcomeForm(app, v, box, query) {
  const outcome = h('select', { name: 'outcome' }, ['certified', 'died', 'moved', 'not_found'].map((o) =>
    h('option', { value: o }, tv('visit_outcome', o))));
  const today = new Date().toISOString().slice(0, 10);
  const on = h('input', { name: 'on', type: 'date', value: today, max: today, required: true });
  const deathDate = h('input', { name: 'death_date', type: 'date', max: today });
  const deathField = field(t('visits.death_date'), deathDate);
  deathField.hidden = true;
  outcome.addEventListener('change', () => { deathField.hidden = outcome.value !== 'died'; deathDate.required = outcome.value === 'died'; });
  const photo = h('input', { name: 'photo', type: 'file', accept: 'image/*', capture: 'environment' });
  const note = h('textarea', { name: 'note', rows: 2, maxlength: 2000 });
  const out = h('p', { role: 'status' });
  const form = h('form', { class: 'panel', 'aria-labelledby': 'vo-h' },
    h('h2', { id: 'vo-h' }, t('visits.record_title', { id: v.id, who: `${v.person.id_number} ${v.person.name || ''}` })),
    field(t('visits.outcome'), outcome), field(t('visits.on'), on), deathField,
    field(t('visits.photo'), photo, t('visits.photo_hint')), field(t('visits.note'), note),
    h('button', { type: 'submit' }, t('visits.submit')), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    out.textContent = '';
    try {
      const body = { outcome: outcome.value, on: on.value };
      if (outcome.value === 'died') body.death_date = deathDate.value;
      if (note.value.trim()) body.note = note.value.trim();
      if (photo.files[0]) {
        const digest = await crypto.subtle.digest('SHA-256', await photo.files[0].arrayBuffer());
        body.photo_sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
      }
      await app.api.post(`/visits/${encodeURIComponent(v.id)}/complete`, body);
      app.toast(t('visits.recorded', { id: v.id }));
      app.go(`#/visits?${new URLSearchParams({ ...Object.fromEntries(query), _: String(Date.now()) })}`);
    } catch (err) {
      out.textContent = err.message;
      out.className = 'error';
    }
  });
  clear(box).appendChild(form);
  outcome.focus();
}

// ---- 多发待遇追回 -------------------------------------------------------------

export async function recoveriesView(app, { query }) {
  const r = await app.api.get('/recoveries', filterQuery(query, []));
  return h('div', {}, h('h1', {}, t('menu.recoveries')), filterBar(app, 'recoveries', query),
    table(t('rec.count', { n: formatInt(r.total) }), [
      [t('cases.person'), (p) => personLink(app, p)],
      [t('person.name'), (p) => p.name],
      [t('person.region'), (p) => p.region_name || p.region_code],
      [t('rec.outstanding'), (p) => p.outstanding],
      [t('rec.since'), (p) => p.since || ''],
      [t('rec.rule'), (p) => tv('rule', p.rule)],
    ], r.recoveries, { empty: t('rec.none') }));
}
