// The citizen page on a phone-sized Chromium against the real server: the
// SMS code travels through the real Aliyun adapter to the stand-in gateway
// (read from its inbox, as a phone would show it), the camera is Chromium's
// fake capture playing a video of an enrolled face acting out every liveness
// prompt, and the result becomes face certification in the store. A person
// without a face asks for a home visit instead. Run by ctest (label browser).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD, makeProvince, serve, launch, newPage, shot, unlabelled, lowContrast, cleanup, tacit } from './harness.mjs';

const JOHNS = '/usr/share/doc/libdlib19.1/examples/johns';
const LOGIN_TEMPLATE = 'SMS_100000009';
let world, gateway, server, browser, video, inbox, enrolled, plain, third;
const problems = [];

function startGateway(inboxPath) {
  return new Promise((resolve, reject) => {
    const child = spawn(join(BUILD, 'tests', 'standin', 'standin_gateway'),
      ['--no-limits', '--template', `${LOGIN_TEMPLATE}=code`, '--inbox', inboxPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve({ child, info: JSON.parse(line) });
    });
    child.on('exit', (code) => reject(new Error(`standin_gateway exited ${code}`)));
  });
}

// Registry rows: id_number,name,sex,birth_date,phone,region_code,...
function registry() {
  return readFileSync(join(world.dir, 'registry.csv'), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split(','));
}

async function codeSentTo(phone, after = 0) {
  for (let i = 0; i < 200; i++) {
    if (existsSync(inbox)) {
      const records = readFileSync(inbox, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
        .filter((r) => r.template === LOGIN_TEMPLATE && r.phone === phone && r.time_ms > after);
      if (records.length) return records.at(-1).params.code;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no login code reached the stand-in gateway');
}

before(async () => {
  world = makeProvince({ people: 300, seed: 23 });
  inbox = join(world.dir, 'inbox.jsonl');
  gateway = await startGateway(inbox);
  const sms = gateway.info.aliyun;
  writeFileSync(join(world.dir, 'sms.json'), JSON.stringify({
    channel: 'sms', provider: 'aliyun', endpoint: sms.endpoint, key_id: sms.key_id, sign_name: sms.sign_name,
    templates: { login_code: LOGIN_TEMPLATE },
  }));
  tacit(world.db, ['channel', 'set', 'sms', '--config', join(world.dir, 'sms.json'), '--secret-stdin'], sms.secret + '\n');
  // Two living recipients with mobile phones: one enrols a face, one does not.
  const rows = registry().filter((r) => /^1\d{10}$/.test(r[4]));
  const seen = new Set();
  const show = (r) => { try { return JSON.parse(tacit(world.db, ['person', 'show', r[0], '--json'])); } catch { return { certification: { status: 'deceased' } }; } };
  const living = rows.filter((r) => !seen.has(r[0]) && seen.add(r[0])).slice(0, 40)
    .filter((r) => show(r).certification.status !== 'deceased');
  // One person per test: codes go to a number once a minute at most.
  [enrolled, plain, third] = [living[0], living[1], living[2]];
  // Enrolled from one photo; the camera shows another photo of the same man
  // (the same picture again is refused as a replay of the enrolment photo).
  const dir = join(JOHNS, readdirSync(JOHNS).sort()[0]);
  const photos = readdirSync(dir).sort().map((f) => join(dir, f));
  tacit(world.db, ['face', 'enroll', enrolled[0], photos[0]]);
  video = join(world.dir, 'acting.y4m');
  const made = spawnSync(join(BUILD, 'face_video'), ['--photo', photos[1], '--out', video, '--cycles', '3', '--fps', '10'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  server = await serve(world.db);
  browser = await launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.child.kill('SIGTERM');
  if (gateway) gateway.child.kill('SIGTERM');
  cleanup(world && world.dir);
});

const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

async function checkPage(page, name) {
  const seen = problems.splice(0);
  await shot(page, `citizen-${name}`);
  assert.deepEqual(await unlabelled(page), [], `${name}: controls without labels`);
  assert.deepEqual(await lowContrast(page), [], `${name}: text under 4.5:1 contrast`);
  // Large type for old eyes: body text at least 20 px, buttons at least 44 px high.
  const small = await page.evaluate(() => [...document.querySelectorAll('main p, main label, main button, main li')]
    .filter((e) => e.getBoundingClientRect().height > 0 && parseFloat(getComputedStyle(e).fontSize) < 18)
    .map((e) => e.textContent.trim().slice(0, 20)));
  assert.deepEqual(small, [], `${name}: text smaller than 18 px`);
  const low = await page.evaluate(() => [...document.querySelectorAll('main button.big')]
    .filter((b) => b.getBoundingClientRect().height < 44).map((b) => b.textContent));
  assert.deepEqual(low, [], `${name}: buttons lower than 44 px`);
  assert.deepEqual(seen, [], `${name}: console errors, CSP violations or requests elsewhere`);
}

async function signInAs(page, person) {
  await page.goto(`${server.url}/c/`);
  await page.getByLabel('身份证号码').fill(person[0]);
  await page.getByLabel('姓名').fill(person[1]);
  const before = Date.now() - 1000;
  await page.getByRole('button', { name: '发送验证码' }).click();
  await page.waitForSelector('h1:has-text("第二步")');
  return codeSentTo(person[4], before);
}

test('a wrong code is refused, the right one opens the status page', async () => {
  const page = await newPage(browser, problems, phone);
  await page.goto(`${server.url}/c/`);
  await checkPage(page, 'identify');
  const code = await signInAs(page, third);
  assert.match(code, /^\d{6}$/);
  // The phone number is masked on the page.
  assert.ok(!(await page.content()).includes(third[4]), 'the full phone number is not on the page');
  const wrong = code === '000000' ? '111111' : '000000';
  await page.getByLabel(/短信验证码/).fill(wrong);
  await page.getByRole('button', { name: '确定' }).click();
  await page.locator('p.error').filter({ hasText: '验证码不对，请再看一下短信。还可以试4次' }).waitFor();
  await checkPage(page, 'wrong-code');
  // The language switch keeps the person on this screen, with the same code.
  await page.getByRole('button', { name: 'English' }).click();
  await page.waitForSelector('h1:has-text("Step 2")');
  await page.getByRole('button', { name: '中文' }).click();
  await page.waitForSelector('h1:has-text("第二步")');
  await page.getByLabel(/短信验证码/).fill(code);
  await page.getByRole('button', { name: '确定' }).click();
  await page.waitForSelector('h1:has-text("我的认证状态")');
  assert.ok(!(await page.content()).includes(third[0]), 'the full identity number is not on the page');
  await checkPage(page, 'status');
  await page.context().close();
});

test('a pensioner certifies by face with the camera and sees the result', async () => {
  const page = await newPage(browser, problems, phone);
  const code = await signInAs(page, enrolled);
  await page.getByLabel(/短信验证码/).fill(code);
  await page.getByRole('button', { name: '确定' }).click();
  await page.getByRole('button', { name: '刷脸认证' }).click();
  await page.waitForSelector('video.camera');
  await page.waitForSelector('h1:has-text("认证成功"), h1:has-text("这次没有成功"), h1:has-text("已提交")', { timeout: 120000 });
  await checkPage(page, 'face-result');
  assert.equal((await page.locator('h1').textContent()).trim(), '认证成功', await page.locator('main').textContent());
  const person = JSON.parse(tacit(world.db, ['person', 'show', enrolled[0], '--json']));
  assert.equal(person.certification.method, 'face');
  const audit = tacit(world.db, ['audit', 'export']).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.ok(audit.some((e) => e.actor.startsWith('citizen:') && /face/.test(e.action)), 'the attempt is audited as the citizen');
  assert.ok(!audit.some((e) => JSON.stringify(e).includes(enrolled[0])), 'no identity number in the trail');
  // Back on the status page the person is certified.
  await page.getByRole('button', { name: '返回我的认证状态' }).click();
  await page.locator('.status-word').filter({ hasText: '已认证' }).waitFor();
  await page.context().close();
});

test('a pensioner without a face on file asks for a home visit', async () => {
  const page = await newPage(browser, problems, phone);
  const code = await signInAs(page, plain);
  await page.getByLabel(/短信验证码/).fill(code);
  await page.getByRole('button', { name: '确定' }).click();
  await page.waitForSelector('h1:has-text("我的认证状态")');
  assert.equal(await page.getByRole('button', { name: '刷脸认证' }).count(), 0);
  await page.getByRole('button', { name: '申请上门认证' }).click();
  await page.getByLabel(/需要上门的原因/).fill('卧床，行动不便');
  await page.getByRole('button', { name: '提交申请' }).click();
  await page.locator('p.notice').filter({ hasText: '已收到申请' }).waitFor();
  await checkPage(page, 'visit-requested');
  // The task is this person's (the staff API names them by their masked number).
  const visits = JSON.parse(tacit(world.db, ['visit', 'list', '--json']));
  const list = Array.isArray(visits) ? visits : visits.visits;
  const masked = `${plain[0].slice(0, 6)}********${plain[0].slice(14)}`;
  const mine = list.filter((v) => v.reason === 'requested' && JSON.stringify(v).includes(masked));
  assert.equal(mine.length, 1, JSON.stringify(list).slice(0, 600));
  // Asking again the same day does not open a second task.
  await page.getByRole('button', { name: '申请上门认证' }).click();
  await page.getByRole('button', { name: '提交申请' }).click();
  await page.locator('p.notice').filter({ hasText: '已经申请过' }).waitFor();
  const again = JSON.parse(tacit(world.db, ['visit', 'list', '--json']));
  assert.equal((Array.isArray(again) ? again : again.visits).filter((v) => v.reason === 'requested' && JSON.stringify(v).includes(masked)).length, 1);
  await page.context().close();
});
