// 群众认证页面 (/c/): on a phone, a pensioner or their family identifies with
// the identity number, the name and a code sent by SMS, sees the
// certification status and deadline, certifies by face with the liveness
// prompts, and learns what else to do when that fails. Large type, plain
// words, one thing per screen; nothing of anyone else is reachable (the
// session is the one person's).
import './citizen.css';
import { makeApi, setCsrf, ApiError } from './api.js';
import { h, clear, field } from './dom.js';
import { t, tv, lang, setLang } from './i18n.js';

const CSRF = 'tacit.citizen.csrf';
const api = makeApi('/api/v1/citizen', CSRF);
const main = () => document.getElementById('main');

// The screen showing: a number that grows with every new screen (work that
// finishes after the person moved on is dropped), how to draw it again in
// the other language, and what to stop when leaving it (the camera).
const view = { ticket: 0, rerender: null, cleanup: null };

function enter(rerender) {
  if (view.cleanup) view.cleanup();
  view.cleanup = null;
  view.rerender = rerender;
  return ++view.ticket;
}

function screen(title, ...content) {
  const m = clear(main());
  m.appendChild(h('h1', {}, title));
  for (const c of content) if (c) m.appendChild(c);
  m.focus({ preventScroll: false });
  return m;
}

function errorText(e) {
  if (e instanceof ApiError && e.status === 429) return t('c.too_many');
  return e.message;
}

function renderChrome() {
  document.title = t('c.title');
  document.getElementById('c-title').textContent = t('c.title');
  const b = document.getElementById('lang');
  b.textContent = lang() === 'en' ? '中文' : 'English';
  b.setAttribute('aria-label', t('app.switch_language'));
}

// ---- 1. 身份核验 ----------------------------------------------------------------

function identifyScreen(message) {
  enter(() => identifyScreen(message));
  const id = h('input', { name: 'id_number', autocomplete: 'off', maxlength: 18, spellcheck: 'false', required: true, inputmode: 'text' });
  const name = h('input', { name: 'name', autocomplete: 'name', maxlength: 32, required: true });
  const out = h('p', { class: 'error', role: 'alert' }, message || '');
  const button = h('button', { type: 'submit', class: 'big' }, t('c.send_code'));
  const form = h('form', {}, field(t('c.id_number'), id), field(t('c.name'), name), button, out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    out.textContent = '';
    button.disabled = true;
    try {
      const r = await api.post('/code', { id_number: id.value.trim().toUpperCase(), name: name.value.trim() });
      id.value = '';
      name.value = '';
      codeScreen(r);
    } catch (err) {
      out.textContent = errorText(err);
    } finally {
      button.disabled = false;
    }
  });
  screen(t('c.identify_title'), h('p', { class: 'lead' }, t('c.identify_lead')), form,
    h('p', { class: 'small' }, t('c.privacy')));
  id.focus();
}

function codeScreen(challenge) {
  enter(() => codeScreen(challenge));
  const code = h('input', { name: 'code', autocomplete: 'one-time-code', inputmode: 'numeric', maxlength: 6, pattern: '[0-9]{6}', required: true });
  const out = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'big' }, t('c.sign_in'));
  const form = h('form', {}, field(t('c.code'), code, t('c.code_hint', { phone: challenge.phone || '' })), button, out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    out.textContent = '';
    button.disabled = true;
    try {
      const r = await api.post('/session', { challenge: challenge.challenge, code: code.value.trim() });
      setCsrf(r.csrf_token, CSRF);
      statusScreen();
    } catch (err) {
      out.textContent = errorText(err);
      code.select();
    } finally {
      button.disabled = false;
    }
  });
  screen(t('c.code_title'), form, h('p', {}, h('button', { type: 'button', class: 'link', onclick: () => identifyScreen() }, t('c.start_again'))));
  code.focus();
}

// ---- 2. 认证状态 ----------------------------------------------------------------

async function statusScreen(note) {
  const ticket = enter(() => statusScreen(note));
  let me;
  try {
    me = await api.get('/me');
    if (ticket !== view.ticket) return;
  } catch (err) {
    if (ticket !== view.ticket) return;
    if (err instanceof ApiError && err.status === 401) return identifyScreen();
    return screen(t('c.status_title'), h('p', { class: 'error', role: 'alert' }, errorText(err)));
  }
  const c = me.certification || {};
  const status = h('div', { class: `status status-${c.status}` },
    h('div', { class: 'status-word' }, t('c.status.' + c.status)),
    c.deadline && c.status !== 'deceased' ? h('div', {}, t('c.deadline', { d: c.deadline })) : null,
    c.last_certified_on ? h('div', { class: 'small' }, t('c.last', { d: c.last_certified_on, m: tv('method', c.method) })) : null);
  const actions = h('div', { class: 'actions' },
    me.face && me.face.enrolled && me.face.available && c.status !== 'deceased'
      ? h('button', { type: 'button', class: 'big', onclick: () => faceScreen() }, t('c.face_button'))
      : h('p', {}, me.face && me.face.enrolled ? t('c.face_unavailable') : t('c.no_face')),
    h('button', { type: 'button', class: 'big secondary', onclick: () => visitScreen() }, t('c.visit_button')));
  screen(t('c.status_title'),
    note ? h('p', { class: 'notice', role: 'status' }, note) : null,
    h('p', { class: 'lead' }, t('c.hello', { name: (me.person && me.person.name) || '' })),
    status,
    me.advice ? h('p', { class: 'advice' }, me.advice) : null,
    actions,
    pointsList(me.points || []),
    h('p', {}, h('button', { type: 'button', class: 'link', onclick: signOut }, t('c.sign_out'))));
}

function pointsList(points) {
  if (!points.length) return null;
  return h('section', { 'aria-labelledby': 'pts' }, h('h2', { id: 'pts' }, t('c.points')),
    h('ul', { class: 'points' }, points.map((p) => h('li', {}, h('strong', {}, p.name), h('br'), p.address || '',
      p.hours ? h('div', { class: 'small' }, t('c.hours', { h: p.hours })) : null))));
}

async function signOut() {
  try { await api.del('/session'); } catch { /* ended already */ }
  setCsrf('', CSRF);
  identifyScreen();
}

// ---- 3. 刷脸认证 ----------------------------------------------------------------

// The camera is sampled ten times a second, whatever the network does: a
// head turn lasts a fraction of a second, and frames must follow one another
// closely for the server to see one face move. Frames queue while a request
// is in flight and go in order, up to the server's batch size.
const FRAME_MS = 100;

async function faceScreen() {
  // No redrawing in the other language here: that would start a new challenge.
  const ticket = enter(null);
  const prompt = h('p', { class: 'prompt', role: 'status', 'aria-live': 'assertive' }, t('c.camera_wait'));
  const video = h('video', { autoplay: true, playsinline: true, muted: true, class: 'camera', 'aria-label': t('c.camera') });
  const cancel = h('button', { type: 'button', class: 'link' }, t('c.cancel'));
  screen(t('c.face_title'), h('p', {}, t('c.face_lead')), video, prompt, cancel);
  let stream;
  let timer;
  let stopped = false;
  const stop = () => {
    stopped = true;
    clearInterval(timer);
    if (stream) for (const track of stream.getTracks()) track.stop();
  };
  // Leaving this screen by any way (cancel, another screen) stops the camera
  // and the sending.
  view.cleanup = stop;
  const left = () => stopped || ticket !== view.ticket;
  cancel.addEventListener('click', () => statusScreen());
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
  } catch {
    if (left()) return;
    stop();
    return resultScreen({ status: 'failed', next_step: t('c.camera_denied') });
  }
  if (left()) return stop();
  video.srcObject = stream;
  await video.play().catch(() => {});
  if (left()) return stop();
  let challenge;
  try {
    challenge = await api.post('/face/challenges', {});
  } catch (err) {
    if (left()) return;
    stop();
    return resultScreen({ status: 'failed', next_step: errorText(err) });
  }
  if (left()) return stop();
  prompt.textContent = challenge.actions.length ? challenge.actions[0].prompt : t('c.look');
  const perRequest = challenge.max_frames_per_request || 10;
  const canvas = document.createElement('canvas');
  const queue = [];
  timer = setInterval(() => {
    if (stopped || !video.videoWidth) return;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext('2d').drawImage(video, 0, 0);
    queue.push(canvas.toDataURL('image/jpeg', 0.85).split(',')[1]);
  }, FRAME_MS);
  let sent = 0;
  let result = null;
  while (!left() && !result) {
    if (queue.length === 0) {
      await new Promise((r) => setTimeout(r, FRAME_MS / 2));
      continue;
    }
    const frames = queue.splice(0, perRequest);
    try {
      const r = await api.post(`/face/challenges/${challenge.id}/frames`, { first_frame: sent, frames });
      sent += frames.length;
      if (r.status === 'pending') {
        prompt.textContent = (r.next_action && r.next_action.prompt) || r.next_step || t('c.look');
      } else {
        result = r;
      }
    } catch (err) {
      if (err instanceof ApiError && err.code === 'challenge_finished') {
        result = await api.get(`/face/challenges/${challenge.id}`).catch(() => ({ status: 'failed', next_step: err.message }));
      } else {
        result = { status: 'failed', next_step: errorText(err) };
      }
    }
  }
  const moved = left();
  stop();
  if (result && !moved) resultScreen(result);
}

function resultScreen(r) {
  enter(() => resultScreen(r));
  const passed = r.status === 'passed';
  const certified = passed && r.certified;
  const title = certified ? t('c.passed') : passed ? t('c.review') : t('c.failed');
  screen(title,
    h('div', { class: `status ${certified ? 'status-certified' : passed ? 'status-due' : 'status-lapsed'}`, role: 'status' },
      h('div', { class: 'status-word' }, title)),
    h('p', { class: 'advice' }, certified ? t('c.passed_text') : passed ? t('c.review_text') : (r.next_step || t('c.failed_text'))),
    passed ? null : h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'big', onclick: () => faceScreen() }, t('c.try_again')),
      h('button', { type: 'button', class: 'big secondary', onclick: () => visitScreen() }, t('c.visit_button'))),
    h('p', {}, h('button', { type: 'button', class: 'link', onclick: () => statusScreen() }, t('c.back_status'))));
}

// ---- 4. 申请上门认证 ------------------------------------------------------------

function visitScreen() {
  enter(() => visitScreen());
  const reason = h('textarea', { name: 'reason', rows: 3, maxlength: 200 });
  const out = h('p', { role: 'status' });
  const button = h('button', { type: 'submit', class: 'big' }, t('c.visit_submit'));
  const form = h('form', {}, field(t('c.visit_reason'), reason, t('c.visit_hint')), button, out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    try {
      const r = await api.post('/visit-request', reason.value.trim() ? { reason: reason.value.trim() } : {});
      statusScreen(r.visit && r.visit.created === false ? t('c.visit_exists') : t('c.visit_done', { d: (r.visit && r.visit.due_on) || '' }));
    } catch (err) {
      out.textContent = errorText(err);
      out.className = 'error';
    } finally {
      button.disabled = false;
    }
  });
  screen(t('c.visit_title'), h('p', { class: 'lead' }, t('c.visit_lead')), form,
    h('p', {}, h('button', { type: 'button', class: 'link', onclick: () => statusScreen() }, t('c.back_status'))));
}

document.getElementById('lang').addEventListener('click', () => {
  setLang(lang() === 'en' ? 'zh' : 'en');
  renderChrome();
  if (view.rerender) view.rerender();
});
renderChrome();
// A session still open (a reload) goes straight to the status.
if (sessionStorage.getItem(CSRF)) statusScreen(); else identifyScreen();
