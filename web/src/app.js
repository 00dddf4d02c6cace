// The staff workbench (工作台): one page, hash routes, every view built from
// /api/v1. Menus come from the actions the signed-in role may take, so nobody
// is offered what they may not use; the server checks again on every call.
import './app.css';
import { makeApi, setCsrf, ApiError } from './api.js';
import { h, clear } from './dom.js';
import { t, tv, lang, setLang } from './i18n.js';
import { loginView } from './pages/login.js';
import { dashboardView } from './pages/dashboard.js';
import { searchView, personView } from './pages/person.js';
import { reviewsView, casesView, visitsView, recoveriesView } from './pages/queues.js';
import { feedsView } from './pages/feeds.js';
import { reportsView } from './pages/reports.js';

const state = { user: null };

const app = {
  api: makeApi('/api/v1'),
  state,
  may: (action) => !!state.user && state.user.actions.includes(action),
  go: (hash) => { if (location.hash === hash) route(); else location.hash = hash; },
  toast,
  main: () => document.getElementById('main'),
  onUnauthenticated: () => { state.user = null; setCsrf(''); app.go('#/login'); },
};

// The menu: [route, label key, the action it needs].
const MENU = [
  ['#/dashboard', 'menu.dashboard', 'stats.read'],
  ['#/search', 'menu.search', 'person.read'],
  ['#/reviews', 'menu.reviews', 'review.read'],
  ['#/cases', 'menu.cases', 'case.read'],
  ['#/visits', 'menu.visits', 'visit.read'],
  ['#/recoveries', 'menu.recoveries', 'recovery.read'],
  ['#/feeds', 'menu.feeds', 'feed.read'],
  ['#/reports', 'menu.reports', 'stats.read'],
];

const VIEWS = {
  dashboard: dashboardView,
  search: searchView,
  person: personView,
  reviews: reviewsView,
  cases: casesView,
  visits: visitsView,
  recoveries: recoveriesView,
  feeds: feedsView,
  reports: reportsView,
};
const NEEDS = Object.fromEntries(MENU.map(([hash, , action]) => [hash.slice(2), action]));
NEEDS.person = 'person.read';

function toast(message, kind = 'info') {
  const el = document.getElementById('toast');
  el.className = `toast ${kind}`;
  el.textContent = message;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.textContent = ''; el.className = ''; }, 6000);
}

function parseHash() {
  const hash = location.hash || '#/dashboard';
  const [path, query = ''] = hash.slice(2).split('?');
  const [name, ...rest] = path.split('/');
  return { name: name || 'dashboard', args: rest.map(decodeURIComponent), query: new URLSearchParams(query) };
}

function renderChrome() {
  document.title = t('app.title');
  document.getElementById('brand').textContent = t('app.title');
  const langButton = document.getElementById('lang');
  langButton.textContent = lang() === 'en' ? '中文' : 'English';
  langButton.setAttribute('aria-label', t('app.switch_language'));
  const menu = clear(document.getElementById('menu'));
  const who = document.getElementById('who');
  const logout = document.getElementById('logout');
  logout.textContent = t('app.logout');
  if (!state.user) {
    who.textContent = '';
    logout.hidden = true;
    return;
  }
  const current = parseHash().name;
  const list = h('ul', {});
  for (const [hash, key, action] of MENU) {
    if (!app.may(action)) continue;
    const here = hash.slice(2) === current || (current === 'person' && hash === '#/search');
    list.appendChild(h('li', {}, h('a', { href: hash, 'aria-current': here ? 'page' : null }, t(key))));
  }
  menu.appendChild(list);
  const u = state.user;
  who.textContent = `${u.name} · ${tv('role', u.role)} · ${u.region ? (u.region_name || u.region) : t('app.all_regions')}`;
  logout.hidden = false;
}

// Each navigation gets a number: a view that finishes loading after the user
// has moved on is dropped, never drawn over the page they went to.
let navigation = 0;

async function route() {
  const ticket = ++navigation;
  const { name, args, query } = parseHash();
  if (!state.user && name !== 'login') {
    try {
      const me = await app.api.get('/session');
      if (ticket !== navigation) return;
      // A session without this tab's CSRF token (a new tab, a restarted
      // browser) could read but not act: end it and sign in afresh.
      if (!sessionStorage.getItem('tacit.csrf')) {
        await app.api.del('/session').catch(() => {});
        location.hash = '#/login';
        return;
      }
      state.user = me.user;
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) toast(e.message, 'error');
      location.hash = '#/login';
      if (name === 'login') return;
      return;
    }
  }
  renderChrome();
  const main = clear(app.main());
  if (name === 'login') {
    main.appendChild(loginView(app, async (user) => {
      state.user = user;
      app.go('#/dashboard');
    }));
    return;
  }
  const view = VIEWS[name];
  if (!view || (NEEDS[name] && !app.may(NEEDS[name]))) {
    // An unknown page, or one the role may not see: the first it may.
    const first = MENU.find(([, , action]) => app.may(action));
    main.appendChild(h('p', { class: 'notice' }, t('app.no_such_page')));
    if (first && name !== first[0].slice(2)) app.go(first[0]);
    return;
  }
  main.appendChild(h('p', { class: 'loading', role: 'status' }, t('app.loading')));
  try {
    const content = await view(app, { args, query });
    if (ticket !== navigation) return;
    clear(main).appendChild(content);
  } catch (e) {
    if (ticket !== navigation) return;
    if (e instanceof ApiError && e.status === 401) return app.onUnauthenticated();
    clear(main).appendChild(h('p', { class: 'error', role: 'alert' }, e.message));
  }
  main.focus({ preventScroll: true });
}

document.getElementById('lang').addEventListener('click', () => {
  setLang(lang() === 'en' ? 'zh' : 'en');
  route();
});
document.getElementById('logout').addEventListener('click', async () => {
  try {
    await app.api.del('/session');
  } catch (e) {
    // 401: the session had ended already. Anything else: say so, and stay.
    if (!(e instanceof ApiError) || e.status !== 401) return toast(`${t('app.logout_failed')} ${e.message}`, 'error');
  }
  state.user = null;
  setCsrf('');
  app.go('#/login');
});
window.addEventListener('hashchange', route);
route();
