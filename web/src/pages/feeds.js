// 共享数据: upload a partner department's file with a progress bar, then its
// summary and the quarantine report; the batches already received below.
import { h, table, field, clear, formatInt } from '../dom.js';
import { t } from '../i18n.js';

const MAPPINGS = ['', 'railway_travel', 'civil_affairs_cremation', 'health_hospital'];

// XMLHttpRequest, not fetch: only it reports upload progress.
function upload(file, query, csrf, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/batches?${new URLSearchParams(query)}`);
    xhr.setRequestHeader('Content-Type', /\.jsonl?$/i.test(file.name) ? 'application/x-ndjson' : 'text/csv');
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded, e.total); };
    xhr.upload.onload = () => onProgress(file.size, file.size, true);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.response);
      else reject(new Error((xhr.response && xhr.response.error && xhr.response.error.message) || `HTTP ${xhr.status}`));
    };
    xhr.onerror = () => reject(new Error(t('feeds.network_error')));
    xhr.send(file);
  });
}

function summary(b) {
  return h('section', { class: 'panel batch-summary', 'aria-labelledby': 'bs-h' },
    h('h2', { id: 'bs-h' }, t('feeds.summary', { name: b.file_name, id: b.id })),
    b.already_ingested ? h('p', { class: 'notice' }, t('feeds.already')) : null,
    h('dl', { class: 'facts' },
      h('dt', {}, t('feeds.source')), h('dd', {}, b.source),
      h('dt', {}, t('feeds.received_on')), h('dd', {}, b.received_on),
      h('dt', {}, t('feeds.rows')), h('dd', { 'data-field': 'rows' }, formatInt(b.rows)),
      h('dt', {}, t('feeds.accepted')), h('dd', { 'data-field': 'accepted' }, formatInt(b.accepted)),
      b.linked !== undefined ? [h('dt', {}, t('feeds.linked')), h('dd', { 'data-field': 'linked' }, formatInt(b.linked)),
        h('dt', {}, t('feeds.unlinked')), h('dd', {}, formatInt(b.unlinked)),
        h('dt', {}, t('feeds.dropped')), h('dd', {}, formatInt(b.dropped))] : null,
      h('dt', {}, t('feeds.rejected')), h('dd', { 'data-field': 'rejected' }, formatInt(b.rejected)),
      h('dt', {}, t('feeds.duplicates')), h('dd', {}, formatInt(b.duplicates))),
    b.reject_sample && b.reject_sample.length ? table(t('feeds.reject_sample'), [
      [t('feeds.line'), (r) => String(r.line)], [t('feeds.field'), (r) => r.field], [t('feeds.reason'), (r) => r.reason],
    ], b.reject_sample, { class: 'grid compact' }) : null,
    b.rejected ? h('p', {}, h('a', { href: b.quarantine, download: `quarantine-${b.id}.csv` }, t('feeds.quarantine_link'))) : null);
}

export async function feedsView(app) {
  const list = await app.api.get('/batches', { limit: 50 });
  const out = h('div', { 'aria-live': 'polite' });
  let form = null;
  if (app.may('feed.submit')) {
    const file = h('input', { type: 'file', name: 'file', accept: '.csv,.jsonl,.json,.txt', required: true });
    const mapping = h('select', { name: 'mapping' }, MAPPINGS.map((m) => h('option', { value: m }, m ? m : t('feeds.canonical'))));
    const source = h('input', { name: 'source', maxlength: 64 });
    const received = h('input', { name: 'received_on', type: 'date' });
    const bar = h('progress', { max: 100, value: 0, 'aria-label': t('feeds.progress') });
    const label = h('span', { class: 'progress-label' });
    const progress = h('div', { class: 'progress', hidden: true }, bar, label);
    const button = h('button', { type: 'submit' }, t('feeds.upload'));
    form = h('form', { class: 'card upload' }, h('h2', {}, t('feeds.upload_title')),
      field(t('feeds.file'), file, t('feeds.file_hint')), field(t('feeds.mapping'), mapping),
      field(t('feeds.source'), source, t('feeds.source_hint')), field(t('feeds.received_on'), received, t('feeds.received_hint')),
      button, progress);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = file.files[0];
      if (!f) return;
      clear(out);
      progress.hidden = false;
      button.disabled = true;
      bar.value = 0;
      const query = { name: f.name };
      if (mapping.value) query.mapping = mapping.value;
      if (source.value.trim()) query.source = source.value.trim();
      if (received.value) query.received_on = received.value;
      try {
        const b = await upload(f, query, sessionStorage.getItem('tacit.csrf'), (loaded, total, sent) => {
          bar.value = Math.round((100 * loaded) / Math.max(1, total));
          label.textContent = sent ? t('feeds.processing') : t('feeds.sent', { p: bar.value, mb: (loaded / 1048576).toFixed(1) });
        });
        bar.value = 100;
        label.textContent = t('feeds.done');
        out.appendChild(summary(b));
        app.toast(t('feeds.done'));
      } catch (err) {
        label.textContent = '';
        out.appendChild(h('p', { class: 'error', role: 'alert' }, err.message));
      } finally {
        button.disabled = false;
      }
    });
  }
  return h('div', {}, h('h1', {}, t('menu.feeds')), form, out,
    h('section', { class: 'panel' }, h('h2', {}, t('feeds.batches')), table(null, [
      [t('feeds.id'), (b) => `#${b.id}`],
      [t('feeds.file'), (b) => b.file_name],
      [t('feeds.source'), (b) => b.source],
      [t('feeds.received_on'), (b) => b.received_on],
      [t('feeds.rows'), (b) => formatInt(b.rows)],
      [t('feeds.linked'), (b) => b.linked !== undefined ? formatInt(b.linked) : '—'],
      [t('feeds.rejected'), (b) => b.rejected ? h('a', { href: b.quarantine, download: `quarantine-${b.id}.csv` }, formatInt(b.rejected)) : '0'],
    ], list.batches, { empty: t('feeds.none') })));
}
