// The staff workbench in a real browser against the real server: sign-in by
// keyboard, role- and region-aware menus, the dashboard's drill-down from the
// province to a village, a case decided, a feed uploaded with its progress,
// a report exported and opened, the English switch, and the accessibility
// basics on every page visited. Run by ctest (label browser).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeProvince, serve, launch, newPage, shot, signIn, unlabelled, lowContrast, unzipEntry, cleanup, tacit, PASSWORD } from './harness.mjs';

let world, server, browser;
const problems = [];

before(async () => {
  world = makeProvince({ people: 400 });
  server = await serve(world.db);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.child.kill('SIGTERM');
  cleanup(world && world.dir);
});

async function checkPage(page, name) {
  const seen = problems.splice(0);
  await shot(page, name);
  assert.deepEqual(await unlabelled(page), [], `${name}: controls without labels`);
  assert.deepEqual(await lowContrast(page), [], `${name}: text under 4.5:1 contrast`);
  assert.deepEqual(seen, [], `${name}: console errors, CSP violations or requests elsewhere`);
}

async function menu(page) {
  return page.$$eval('header nav a', (links) => links.map((a) => a.getAttribute('href')));
}

test('the keyboard reaches the sign-in form, and a wrong password is refused', async () => {
  const page = await newPage(browser, problems);
  await page.goto(`${server.url}/`);
  await page.waitForSelector('form.login');
  // The name field has the focus when the form opens; before it come the
  // language switch and, first of all, the skip link.
  await page.waitForFunction(() => document.activeElement && document.activeElement.name === 'name');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'lang');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'name');
  await page.keyboard.type('admin');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'password');
  await page.keyboard.type('not the password');
  await page.keyboard.press('Enter');
  await page.getByText('用户名或密码错误').waitFor();
  await checkPage(page, 'login-refused');
  await page.context().close();
});

test('each role sees only the menu items it may use', async () => {
  const expected = {
    admin: ['dashboard', 'search', 'reviews', 'cases', 'visits', 'recoveries', 'feeds', 'reports'],
    county: ['dashboard', 'search', 'reviews', 'cases', 'visits', 'recoveries', 'feeds', 'reports'],
    rev: ['dashboard', 'search', 'reviews', 'cases', 'visits', 'reports'],
    aud: ['dashboard', 'search', 'reviews', 'cases', 'visits', 'recoveries', 'feeds', 'reports'],
    comm: ['visits'],
  };
  for (const [user, items] of Object.entries(expected)) {
    const page = await newPage(browser, problems);
    await signIn(page, server.url, user);
    assert.deepEqual(await menu(page), items.map((i) => `#/${i}`), user);
    if (user === 'comm') {
      // A community worker lands on the visit list; a page they may not use
      // sends them back there, and no person page is linked.
      await page.waitForSelector('h1:has-text("上门认证任务")');
      assert.equal(await page.locator('main a[href^="#/person/"]').count(), 0);
      await page.goto(`${server.url}/#/dashboard`);
      await page.waitForURL(/#\/visits/);
      await checkPage(page, 'community-visits');
    }
    await page.context().close();
  }
});

test('an administrator drills down from the province to a village', async () => {
  const page = await newPage(browser, problems);
  await signIn(page, server.url, 'admin');
  await page.waitForSelector('.kpi-value');
  const stats = JSON.parse(tacit(world.db, ['stats', '--json']));
  const recipients = await page.locator('.kpi').first().locator('.kpi-value').textContent();
  assert.equal(recipients.replace(/,/g, ''), String(stats.total.recipients));
  await page.waitForSelector('.chart[data-chart="ready"] canvas');
  await checkPage(page, 'dashboard-all');
  // Province → city → county → township → village, through the table's links.
  const levels = [];
  for (let depth = 0; depth < 5; depth++) {
    const link = page.locator('table.grid tbody a[href*="region="]').first();
    if ((await link.count()) === 0) break;
    const href = await link.getAttribute('href');
    const name = (await link.textContent()).trim();
    await link.click();
    await page.waitForFunction((n) => document.querySelector('h1') && document.querySelector('h1').textContent.includes(n), name);
    levels.push(new URLSearchParams(href.split('?')[1]).get('region'));
    await page.waitForSelector('.chart[data-chart="ready"] canvas');
  }
  assert.deepEqual(levels.map((c) => c.length), [2, 4, 6, 9, 12]);
  // At the village: nothing more to drill into, and the breadcrumb leads back up.
  assert.equal(await page.locator('.breadcrumb li').count(), 6);
  await checkPage(page, 'dashboard-village');
  await page.locator('.breadcrumb a').nth(1).click();
  await page.waitForFunction(() => location.hash.includes(`region=`) && document.querySelectorAll('.breadcrumb li').length === 2);
  // The treemap drills down: a click in its middle opens the region drawn there.
  const treemap = page.locator('.chart.treemap');
  await treemap.scrollIntoViewIfNeeded();
  const tbox = await treemap.boundingBox();
  await page.mouse.click(tbox.x + tbox.width / 2, tbox.y + tbox.height / 2);
  await page.waitForFunction(() => document.querySelectorAll('.breadcrumb li').length === 3);
  await page.goBack();
  await page.waitForFunction(() => document.querySelectorAll('.breadcrumb li').length === 2);
  await page.waitForSelector('.chart.tall[data-chart="ready"]');
  // So does the bar chart: a click on a bar opens that region.
  const chart = page.locator('.chart.tall');
  await chart.scrollIntoViewIfNeeded();
  const box = await chart.boundingBox();
  const firstCity = await page.locator('table.grid tbody a[href*="region="]').first().textContent();
  let drilled = false;
  for (let y = box.y + box.height - 30; y > box.y + 60 && !drilled; y -= 20) {
    for (let x = box.x + 40; x < box.x + box.width && !drilled; x += 10) {
      await page.mouse.click(x, y);
      drilled = await page.evaluate(() => document.querySelectorAll('.breadcrumb li').length === 3);
    }
  }
  assert.ok(drilled, 'a click on a bar drills down');
  assert.ok((await page.locator('h1').textContent()).length > 0);
  assert.ok(firstCity.length > 0);
  await page.context().close();
});

test('a county operator sees the county and nothing outside it', async () => {
  const page = await newPage(browser, problems);
  await signIn(page, server.url, 'county');
  await page.waitForSelector('.kpi-value');
  assert.ok((await page.locator('h1').textContent()).includes(world.countyName));
  const hrefs = await page.$$eval('table.grid tbody a[href*="region="]', (as) => as.map((a) => a.getAttribute('href')));
  assert.ok(hrefs.length > 0);
  for (const h of hrefs) assert.ok(new URLSearchParams(h.split('?')[1]).get('region').startsWith(world.county), h);
  // Another county's dashboard is refused with the server's message.
  await page.goto(`${server.url}/#/dashboard?region=${world.other}`);
  await page.getByText('不在您的管辖范围内').waitFor();
  // A person of the other county is not found.
  const other = readFileSync(join(world.dir, 'registry.csv'), 'utf8').split('\n').slice(1)
    .map((l) => l.split(',')).find((f) => f[5] && f[5].startsWith(world.other));
  await page.goto(`${server.url}/#/search`);
  await page.getByLabel('身份证号码').fill(other[0]);
  await page.getByRole('button', { name: '查询' }).click();
  await page.getByText('没有找到').waitFor();
  // Feeds: a county operator reads batches but may not upload (province level only).
  await page.goto(`${server.url}/#/feeds`);
  await page.waitForSelector('h1:has-text("共享数据")');
  assert.equal(await page.locator('form.upload').count(), 0);
  await checkPage(page, 'county-feeds');
  await page.context().close();
});

test('a reviewer opens a person, reveals them with a reason, and decides a case', async () => {
  const page = await newPage(browser, problems);
  await signIn(page, server.url, 'rev');
  await page.goto(`${server.url}/#/cases`);
  await page.waitForSelector('h1:has-text("待核查事项")');
  const first = page.locator('table.grid tbody tr').first();
  const caseId = (await first.locator('button.link').textContent()).replace('#', '');
  // The person page: masked, then revealed (audited).
  await first.locator('a[href^="#/person/"]').click();
  await page.waitForSelector('h2:has-text("证据时间线")');
  const masked = await page.locator('dd .mono').first().textContent();
  assert.match(masked, /\*{8}/);
  await checkPage(page, 'person');
  await page.getByLabel('查看完整信息的理由').fill('核对死亡信息');
  await page.getByRole('button', { name: '查看完整信息（留痕）' }).click();
  await page.getByText('本次查看已记录').waitFor();
  assert.doesNotMatch(await page.locator('dd .mono').first().textContent(), /\*/);
  // Back to the case: dismiss it with a note.
  await page.goto(`${server.url}/#/cases?id=${caseId}`);
  await page.waitForSelector('#case-h');
  await page.getByLabel('处理决定').selectOption('dismiss');
  await page.getByLabel('处理意见（必填）').fill('经核实，银行记录为家属代办');
  await page.getByRole('button', { name: '提交处理决定' }).click();
  await page.getByText('处理结果').waitFor();
  await checkPage(page, 'case-decided');
  const shown = JSON.parse(tacit(world.db, ['case', 'show', caseId, '--json']));
  assert.equal(shown.status, 'resolved');
  assert.equal(shown.resolved_by, 'rev');
  const audit = tacit(world.db, ['audit', 'export']).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.ok(audit.some((e) => e.actor === 'user:rev' && e.action === 'case.resolve'), 'the decision is in the trail');
  assert.ok(audit.some((e) => e.actor === 'user:rev' && e.action === 'person.reveal'), 'the reveal is in the trail');
  await page.context().close();
});

test('a province operator uploads a feed and watches it finish', async () => {
  const page = await newPage(browser, problems);
  await signIn(page, server.url, 'prov');
  await page.goto(`${server.url}/#/feeds`);
  await page.waitForSelector('form.upload');
  // 20,000 rows about registry persons (hospital admissions), two of them bad.
  const registry = readFileSync(join(world.dir, 'registry.csv'), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split(','));
  const lines = ['source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail'];
  for (let i = 0; i < 20000; i++) {
    const r = registry[i % registry.length];
    lines.push(`health,hospital_admission,${r[0]},${r[1]},${r[2]},${r[3]},${r[5]},2026-11-${String(1 + (i % 20)).padStart(2, '0')},BT${i},`);
  }
  lines.push('health,hospital_admission,110101190001011234,某,M,1900-01-01,110101001001,2026-13-40,BAD1,');
  lines.push('health,no_such_kind,110101190001011234,某,M,1900-01-01,110101001001,2026-11-01,BAD2,');
  const file = join(world.dir, 'health-upload.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  await page.locator('input[type=file]').setInputFiles(file);
  await page.getByRole('button', { name: '上传并导入' }).click();
  await page.waitForSelector('.batch-summary', { timeout: 120000 });
  assert.equal(await page.locator('progress').evaluate((p) => p.value), 100);
  assert.equal(await page.locator('[data-field=rows]').textContent(), (20002).toLocaleString('zh-CN'));
  assert.equal(await page.locator('[data-field=rejected]').textContent(), '2');
  await page.getByText('下载隔离报告').waitFor();
  await checkPage(page, 'feed-uploaded');
  // The same file again changes nothing.
  await page.locator('input[type=file]').setInputFiles(file);
  await page.getByRole('button', { name: '上传并导入' }).click();
  await page.getByText('该文件此前已导入').waitFor({ timeout: 120000 });
  await page.context().close();
});

test('an administrator exports the monthly statistics and opens the file', async () => {
  const page = await newPage(browser, problems);
  await signIn(page, server.url, 'admin');
  await page.goto(`${server.url}/#/reports`);
  await page.waitForSelector('a.download[data-report="stats"][data-format="xlsx"]').catch(async (e) => {
    await shot(page, 'reports-failed');
    throw new Error(`${e.message}\n${await page.locator('main').textContent()}`);
  });
  await checkPage(page, 'reports');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('a.download[data-report="stats"][data-format="xlsx"]').click(),
  ]);
  // The name carries the report, the region and the month (the browser takes the UTF-8 name).
  assert.match(download.suggestedFilename(), /^(tacit-stats|月度统计)-.+-\d{4}-\d{2}\.xlsx$/);
  const path = join(world.dir, download.suggestedFilename());
  await download.saveAs(path);
  const xlsx = readFileSync(path);
  const sheet = await unzipEntry(xlsx, 'xl/worksheets/sheet1.xml');
  assert.ok(sheet, 'the workbook has a first sheet');
  const stats = JSON.parse(tacit(world.db, ['stats', '--json']));
  assert.ok(sheet.includes(`<v>${stats.total.recipients}</v>`), 'the sheet holds the recipients figure');
  const [csv] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('a.download[data-report="stats"][data-format="csv"]').click(),
  ]);
  assert.match(csv.suggestedFilename(), /\.csv$/);
  await page.context().close();
  // A county's operator asking for another county's report is told why.
  const county = await newPage(browser, problems);
  await signIn(county, server.url, 'county');
  await county.goto(`${server.url}/#/reports`);
  await county.getByLabel('区划代码').fill(world.other);
  await county.locator('a.download[data-report="stats"][data-format="xlsx"]').click();
  await county.locator('p.error').filter({ hasText: '不在您的管辖范围内' }).waitFor();
  await county.context().close();
});

test('an operator assigns several visit tasks at once, and signs out', async () => {
  const page = await newPage(browser, problems);
  await signIn(page, server.url, 'prov');
  await page.goto(`${server.url}/#/visits`);
  await page.waitForSelector('h1:has-text("上门认证任务")');
  // The open tasks of one county (the county of the first task the plan
  // opened), assigned to the province's operator in one go.
  const open = JSON.parse(tacit(world.db, ['visit', 'list', '--json', '--status', 'open']));
  const openList = Array.isArray(open) ? open : open.visits;
  assert.ok(openList.length > 0, 'the demo has open visit tasks');
  const county = openList[0].region.slice(0, 6);
  await page.getByLabel('区划代码').fill(county);
  await page.getByRole('button', { name: '筛选' }).click();
  await page.waitForURL(new RegExp(`region=${county}`));
  await page.waitForSelector('table.grid tbody tr');
  const boxes = page.locator('table.grid tbody input[type=checkbox]');
  const n = Math.min(2, await boxes.count());
  assert.ok(n > 0, 'the county has open visit tasks');
  const ids = [];
  for (let i = 0; i < n; i++) {
    await boxes.nth(i).check();
    ids.push((await boxes.nth(i).getAttribute('aria-label')).match(/#(\d+)/)[1]);
  }
  await page.getByLabel('分派给（用户名）').fill('prov');
  await page.getByRole('button', { name: '分派所选任务' }).click();
  await page.getByText(`已分派 ${n} 个任务`).waitFor();
  await page.waitForSelector('h1:has-text("上门认证任务")');
  assert.match(page.url(), new RegExp(`region=${county}`), 'the list comes back with its filter');
  const tasks = JSON.parse(tacit(world.db, ['visit', 'list', '--json', '--status', 'assigned']));
  const assigned = (Array.isArray(tasks) ? tasks : tasks.visits).filter((v) => ids.includes(String(v.id)));
  assert.equal(assigned.length, n);
  for (const v of assigned) assert.equal(v.assigned_to, 'prov');
  await checkPage(page, 'visits-assigned');
  // Signing out ends the session on the server: the old page cannot read on.
  await page.getByRole('button', { name: '退出' }).click();
  await page.waitForSelector('form.login');
  const after = await page.evaluate(async () => (await fetch('/api/v1/session')).status);
  assert.equal(after, 401);
  await page.context().close();
});

test('a community worker records a visit, and an operator a recovery', async () => {
  // A community worker of the village of an open task.
  const open = JSON.parse(tacit(world.db, ['visit', 'list', '--json', '--status', 'active']));
  const task = (Array.isArray(open) ? open : open.visits)[0];
  tacit(world.db, ['user', 'add', 'village', '--role', 'community', '--region', task.region], `${PASSWORD}\n`);
  let page = await newPage(browser, problems);
  await signIn(page, server.url, 'village');
  await page.waitForSelector('h1:has-text("上门认证任务")');
  await page.getByRole('button', { name: '登记结果' }).first().click();
  await page.getByLabel('上门结果', { exact: false }).first().waitFor();
  // The date of death is asked only when the outcome is a death.
  assert.equal(await page.getByLabel('死亡日期').isVisible(), false);
  await page.getByLabel('结果', { exact: true }).selectOption('died');
  assert.equal(await page.getByLabel('死亡日期').isVisible(), true);
  await page.getByLabel('结果', { exact: true }).selectOption('certified');
  await page.getByLabel('情况说明').fill('本人在家，精神良好');
  await page.locator('input[name=photo]').setInputFiles({ name: 'visit.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('a photo taken on the visit') });
  await checkPage(page, 'visit-outcome');
  await page.getByRole('button', { name: '提交上门结果' }).click();
  await page.getByText(`任务 #${task.id} 已登记`).waitFor();
  const done = JSON.parse(tacit(world.db, ['visit', 'list', '--json', '--status', 'done']));
  const recorded = (Array.isArray(done) ? done : done.visits).find((v) => v.id === task.id);
  assert.ok(recorded, 'the task is done');
  assert.equal(recorded.outcome, 'certified');
  await page.context().close();

  // The recovery queue's first person pays back 100 yuan, entered by an operator.
  page = await newPage(browser, problems);
  await signIn(page, server.url, 'prov');
  await page.goto(`${server.url}/#/recoveries`);
  await page.waitForSelector('h1:has-text("多发待遇追回")');
  const first = page.locator('table.grid tbody tr').first();
  const before = (await first.locator('td').nth(3).textContent()).trim();
  await first.locator('a[href^="#/person/"]').click();
  await page.waitForSelector('form.recovery');
  await page.getByLabel(/追回金额/).fill('100.00');
  await page.getByLabel('备注').fill('收据 0001');
  await checkPage(page, 'recovery-form');
  await page.getByRole('button', { name: '登记追回' }).click();
  await page.getByText('已登记追回 ¥100.00').waitFor();
  const handle = page.url().match(/#\/person\/(p[0-9a-f]+)/)[1];
  const rec = await page.evaluate(async (h) => (await fetch(`/api/v1/persons/${h}/recoveries`)).json(), handle);
  assert.equal(rec.total, '100.00');
  assert.equal(Number(rec.outstanding), Math.round(Number(before) * 100 - 10000) / 100);
  await page.context().close();
});

test('the language switch shows the workbench in English', async () => {
  const page = await newPage(browser, problems);
  await signIn(page, server.url, 'admin');
  await page.getByRole('button', { name: 'English' }).click();
  await page.waitForSelector('header nav a:has-text("Dashboard")');
  await page.waitForSelector('h2:has-text("By scheme")');
  await checkPage(page, 'dashboard-english');
  await page.getByRole('button', { name: '中文' }).click();
  await page.waitForSelector('header nav a:has-text("首页统计")');
  await page.context().close();
});

test('the dashboard answers from a statistics snapshot, and offers the live figures once data changed', async () => {
  tacit(world.db, ['stats', 'snapshot']);
  const page = await newPage(browser, problems);
  await signIn(page, server.url, 'admin');
  const note = page.locator('p.snapshot');
  await note.waitFor();
  assert.match(await note.textContent(), /统计快照.*与实时数据一致/);
  // One hospital stay of a registry person arrives after the snapshot.
  const r = readFileSync(join(world.dir, 'registry.csv'), 'utf8').split('\n')[1].split(',');
  const today = new Date().toISOString().slice(0, 10);
  const feed = join(world.dir, 'after-snapshot.csv');
  writeFileSync(feed, 'source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail\n' +
    `health,hospital_admission,${r[0]},${r[1]},${r[2]},${r[3]},${r[5]},${today},after-snapshot-1,\n`);
  tacit(world.db, ['ingest', feed, '--received-on', today]);
  await page.reload();
  await page.waitForSelector('p.snapshot.warn');
  assert.match(await page.locator('p.snapshot').textContent(), /此后数据有变动/);
  await checkPage(page, 'dashboard-snapshot-stale');
  await page.getByRole('link', { name: '查看实时统计' }).click();
  await page.waitForFunction(() => location.hash.includes('live=1'));
  await page.waitForSelector('.kpi-value');
  assert.equal(await page.locator('p.snapshot').count(), 0);
  await page.context().close();
});
