// The browser tests' world: a demo province in a temporary directory, staff
// accounts of several roles and regions, the real `tacit serve` with the
// built pages on a loopback port, and Debian's Chromium driven by
// playwright-core (headless, no network but loopback). Screenshots go to
// build/test-screenshots/ (kept as CI artefacts).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BUILD = resolve(process.env.TACIT_BUILD || fileURLToPath(new URL('../../build', import.meta.url)));
export const TACIT = join(BUILD, 'tacit');
export const SHOTS = join(BUILD, 'test-screenshots');
export const PASSWORD = 'browser-test-password-1';

export function tacit(db, args, input) {
  const r = spawnSync(TACIT, ['--db', db, ...args], { input, encoding: 'utf8', env: { ...process.env, TACIT_LOG: 'warn' } });
  if (r.status !== 0) throw new Error(`tacit ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

// A demo province of `people` persons with staff accounts; returns paths and
// the regions the tests use.
export function makeProvince({ people = 400, seed = 11 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tacit-browser-'));
  const r = spawnSync(TACIT, ['demo', '--people', String(people), '--dir', dir, '--seed', String(seed)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`demo: ${r.stderr}`);
  const db = join(dir, 'tacit.db');
  const stats = JSON.parse(tacit(db, ['stats', '--json', '--by', 'county']));
  const counties = stats.by_region.filter((g) => g.counts.recipients > 0).sort((a, b) => b.counts.recipients - a.counts.recipients);
  const county = counties[0].code;
  const other = counties[1].code;
  const users = {
    admin: ['--role', 'admin'],
    prov: ['--role', 'operator', '--region', county.slice(0, 2)],
    county: ['--role', 'operator', '--region', county],
    rev: ['--role', 'reviewer', '--region', county.slice(0, 2)],
    aud: ['--role', 'auditor'],
    comm: ['--role', 'community', '--region', county],
  };
  for (const [name, args] of Object.entries(users)) tacit(db, ['user', 'add', name, ...args], PASSWORD + '\n');
  return { dir, db, county, countyName: counties[0].name, other, otherName: counties[1].name };
}

// `tacit serve` on a free loopback port; resolves when it listens.
export function serve(db, extra = [], env = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(TACIT, ['--db', db, 'serve', '--listen', '127.0.0.1:0', '--web', join(BUILD, 'web'), ...extra],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/https?:\/\/127\.0\.0\.1:(\d+)\/api\/v1/);
      if (m) resolvePromise({ url: `http://127.0.0.1:${m[1]}`, child, stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`tacit serve exited ${code}: ${err}`)));
  });
}

export async function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', ...extraArgs],
  });
}

// A page that fails the test on any Content-Security-Policy violation or
// script error (a page that loads something from elsewhere breaks here).
export async function newPage(browser, problems, options = {}) {
  const context = await browser.newContext({ locale: 'zh-CN', acceptDownloads: true, ...options });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (4\d\d)/.test(m.text())) {
      problems.push(m.text());
    }
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('request', (req) => {
    const u = new URL(req.url());
    if (!['127.0.0.1', 'localhost'].includes(u.hostname) && !u.protocol.startsWith('data') && !u.protocol.startsWith('blob')) {
      problems.push(`request outside the server: ${req.url()}`);
    }
  });
  return page;
}

export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

export function cleanup(dir) {
  if (dir && existsSync(dir) && !process.env.TACIT_KEEP) rmSync(dir, { recursive: true, force: true });
}

// Signs in through the form with the keyboard only.
export async function signIn(page, url, name) {
  await page.goto(`${url}/#/login`);
  await page.getByLabel(/用户名|User name/).fill(name);
  await page.getByLabel(/^密码$|^Password$/).fill(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForSelector('header nav a');
}

// ---- Accessibility basics, checked in the page --------------------------------

// Every form control has a label; every button and link has a name; every
// chart has a text alternative. Returns what is missing.
export async function unlabelled(page) {
  return page.evaluate(() => {
    const missing = [];
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden') continue;
      const byFor = el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
      if (!byFor && !el.closest('label') && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')) {
        missing.push(`${el.tagName.toLowerCase()}[name=${el.name}]`);
      }
    }
    for (const el of document.querySelectorAll('button, a[href]')) {
      if (!(el.textContent || '').trim() && !el.getAttribute('aria-label')) missing.push(`${el.tagName.toLowerCase()} without a name`);
    }
    for (const el of document.querySelectorAll('.chart')) {
      if (!el.getAttribute('aria-label')) missing.push('chart without a text alternative');
    }
    return missing;
  });
}

// WCAG 2 contrast of every visible text element against the background it
// is drawn on; returns those under `min` (4.5 for body text).
export async function lowContrast(page, min = 4.5) {
  return page.evaluate((minimum) => {
    const rgb = (s) => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(',').map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
    const lum = ({ r, g, b }) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
    const background = (el) => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c && c.a > 0.5) return c; } return { r: 255, g: 255, b: 255 }; };
    const bad = [];
    for (const el of document.querySelectorAll('body *')) {
      if (!['P', 'SPAN', 'A', 'BUTTON', 'LABEL', 'TD', 'TH', 'H1', 'H2', 'H3', 'DT', 'DD', 'LI', 'SMALL', 'DIV', 'CAPTION', 'STRONG'].includes(el.tagName)) continue;
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own) continue;
      const r = el.getBoundingClientRect();
      if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
      if (el.closest('.skip')) continue;
      const fg = rgb(getComputedStyle(el).color);
      const bg = background(el);
      const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      if (ratio < minimum) bad.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 20)}" ${ratio.toFixed(2)}`);
    }
    return bad;
  }, min);
}

// Reads one file out of a zip (an .xlsx) with Node's own inflate.
export async function unzipEntry(buffer, name) {
  const { inflateRawSync } = await import('node:zlib');
  // The central directory: its end record is in the last 64 KiB.
  const end = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let at = buffer.readUInt32LE(end + 16);
  const count = buffer.readUInt16LE(end + 10);
  for (let i = 0; i < count; i++) {
    const method = buffer.readUInt16LE(at + 10);
    const size = buffer.readUInt32LE(at + 20);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extra = buffer.readUInt16LE(at + 30);
    const comment = buffer.readUInt16LE(at + 32);
    const local = buffer.readUInt32LE(at + 42);
    const entry = buffer.toString('utf8', at + 46, at + 46 + nameLength);
    if (entry === name) {
      const dataAt = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
      const data = buffer.subarray(dataAt, dataAt + size);
      return (method === 8 ? inflateRawSync(data) : data).toString('utf8');
    }
    at += 46 + nameLength + extra + comment;
  }
  return null;
}

export function readText(path) {
  return readFileSync(path, 'utf8');
}
