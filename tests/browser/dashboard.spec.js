// SPDX-License-Identifier: Apache-2.0
// The dashboard in headless Chromium (playwright-core, Debian's chromium via
// executablePath) against a real berthd (tests/integration/9011-dashboard.sh).
// Usage: NODE_PATH=<node_modules> node dashboard.spec.js
// Environment: CHROME, BASE (read-write listener), RO (read-only listener),
// REGISTRY, BOX (a created -it busybox shell), FIXTURE (a running container),
// GOOD and BAD (pages on other origins: allowed by --api-cors-header, not),
// SHOTS (screenshot directory).
// Prints "ok<TAB>desc" or "fail<TAB>desc<TAB>detail" (lib.sh's tap_lines).
'use strict';
const { chromium } = require('playwright-core');

const env = process.env;
function say(ok, desc, detail) {
  const d = detail === undefined ? '' : String(typeof detail === 'string' ? detail : JSON.stringify(detail));
  console.log(ok ? `ok\t${desc}` : `fail\t${desc}\t${d.replace(/[\t\n]/g, ' ').slice(0, 400)}`);
}

const t0 = Date.now();
async function step(desc, fn) {
  if (env.TIMING) require('fs').appendFileSync(env.TIMING, `${((Date.now() - t0) / 1000).toFixed(1)} ${desc}\n`);
  try {
    const r = await fn();
    say(r !== false, desc, r === false ? 'condition false' : undefined);
    return r !== false;
  } catch (e) {
    say(false, desc, e && e.message ? e.message.split('\n')[0] : String(e));
    return false;
  }
}

(async () => {
  const browser = await chromium.launch({ executablePath: env.CHROME, args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const row = (name) => page.locator(`#containers tr[data-name="${name}"]`);
  const shot = (n) => page.screenshot({ path: `${env.SHOTS}/${n}.png`, fullPage: true });
  try {
    await step('the dashboard loads from /dashboard/ (read-write)', async () => {
      await page.goto(`${env.BASE}/dashboard/`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 10000 });
      return (await page.textContent('#mode')) === 'read-write';
    });
    await step('it lists the fixture containers and images', async () => {
      await row(env.FIXTURE).waitFor({ timeout: 5000 });
      await row(env.BOX).waitFor({ timeout: 5000 });
      return (await page.locator('#images tr[data-tags*="busybox:latest"]').count()) === 1;
    });
    await step('the events stream is live (a fetch stream, not polling)', async () => {
      await page.waitForFunction(() => document.querySelector('#events-state').textContent === 'events: live', null, { timeout: 5000 });
    });
    await step('Start starts a container and the row follows from /events', async () => {
      await row(env.BOX).locator('button[data-action="start"]').click();
      await page.waitForSelector(`#containers tr[data-name="${env.BOX}"][data-state="running"]`, { timeout: 10000 });
    });
    await step('the terminal attaches over /attach/ws with xterm.js', async () => {
      await row(env.BOX).locator('button[data-action="terminal"]').click();
      await page.waitForSelector('#term[data-state="open"]', { timeout: 5000 });
      return (await page.getAttribute('#term', 'data-kind')) === 'xterm' || 'pre fallback';
    });
    await step('typing "echo hi" in the terminal shows hi', async () => {
      await page.click('#term');
      await page.keyboard.type('echo hi');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => /\r?\nhi\r?\n/.test(window.dashboard.term.text), null, { timeout: 5000 });
      await page.waitForFunction(() => /echo hi/.test(document.querySelector('#term').textContent), null, { timeout: 5000 });
      await shot('terminal');
    });
    await step('logs stream (follow, frames demultiplexed)', async () => {
      await row(env.FIXTURE).locator('button[data-action="logs"]').click();
      await page.waitForFunction(() => /tick/.test(document.querySelector('#logs').textContent), null, { timeout: 5000 });
      const t = await page.textContent('#logs');
      // no 8-byte headers (\x01\0\0\0...) left in the text
      return !/[\x00-\x02]/.test(t);
    });
    await step('stats draw a chart from /stats', async () => {
      await row(env.FIXTURE).locator('button[data-action="stats"]').click();
      await page.waitForSelector('#panel[data-samples="2"]', { timeout: 10000 });
    });
    await step('Stop stops it and the row follows', async () => {
      await row(env.FIXTURE).locator('button[data-action="stop"]').click();
      await page.waitForSelector(`#containers tr[data-name="${env.FIXTURE}"][data-state="exited"]`, { timeout: 15000 });
    });
    await step('a build (Dockerfile tarred in the page) streams its output', async () => {
      await page.fill('#build-dockerfile', 'FROM busybox:latest\nRUN echo built-by-the-dashboard\n');
      await page.fill('#build-tag', 'dash-built:1');
      await page.click('#build-btn');
      await page.waitForSelector('#build-out[data-done="true"]', { timeout: 20000 });
      const out = await page.textContent('#build-out');
      if (!/built-by-the-dashboard/.test(out) || !/Successfully tagged dash-built:1/.test(out)) throw new Error(out.slice(-300));
      await page.waitForSelector('#images tr[data-tags*="dash-built:1"]', { timeout: 5000 });
    });
    await step('a pull shows per-layer progress bars that move to full', async () => {
      await page.fill('#pull-ref', `${env.REGISTRY}/app1:latest`);
      await page.click('#pull-btn');
      await page.waitForSelector(`#images tr[data-tags*="${env.REGISTRY}/app1:latest"]`, { timeout: 20000 });
      const vals = await page.$$eval('#pull-progress progress', (bs) => bs.map((b) => b.dataset.values));
      const moved = vals.filter((v) => { const a = v.split(' ').map(Number); return a.length >= 2 && a[0] < 1 && a[a.length - 1] === 1; });
      await shot('dashboard');
      if (vals.length < 1 || moved.length < 1) throw new Error(JSON.stringify(vals));
    });
    await step('Remove removes a container', async () => {
      await row(env.BOX).locator('button[data-action="remove"]').click();
      await row(env.BOX).waitFor({ state: 'detached', timeout: 10000 });
    });
    await step('no script errors on the page', async () => (errors.length === 0 ? true : Promise.reject(new Error(errors.join('; ')))));

    // the read-only listener (the same tab: a new one costs seconds on a loaded CI host)
    const ro = page;
    await step('on a read-only listener the dashboard says so and disables writes', async () => {
      await ro.goto(`${env.RO}/dashboard/`);
      await ro.waitForSelector('body[data-ready="true"]', { timeout: 10000 });
      await ro.locator(`#containers tr[data-name="${env.FIXTURE}"]`).waitFor({ timeout: 5000 });
      const mode = await ro.textContent('#mode');
      const enabled = await ro.$$eval('button[data-action="start"], button[data-action="stop"], button[data-action="remove"], button[data-action="terminal"], #pull-btn, #build-btn',
        (bs) => bs.filter((b) => !b.disabled).length);
      const reads = await ro.$$eval('button[data-action="logs"]', (bs) => bs.filter((b) => !b.disabled).length);
      await ro.screenshot({ path: `${env.SHOTS}/read-only.png`, fullPage: true });
      if (mode !== 'read-only' || enabled !== 0 || reads < 1) throw new Error(`mode=${mode} enabled writes=${enabled} reads=${reads}`);
    });

    // pages on other origins calling the API through CORS
    const cors = page;
    const tryOrigin = async (origin) => {
      await cors.goto(`${origin}/blank.html`);
      return cors.evaluate(async (base) => {
        const out = {};
        try {
          const r = await fetch(`${base}/containers/json?all=1`);
          out.list = r.status + ':' + (await r.json()).length;
        } catch (e) { out.list = 'blocked'; }
        try {
          const r = await fetch(`${base}/containers/create?name=from-cors`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ Image: 'busybox:latest' }) });
          out.create = String(r.status);
        } catch (e) { out.create = 'blocked'; }
        return out;
      }, env.BASE);
    };
    await step('a page from the allowed origin lists and creates through CORS', async () => {
      const r = await tryOrigin(env.GOOD);
      if (!/^200:/.test(r.list) || r.create !== '201') throw new Error(JSON.stringify(r));
    });
    await step('a page from another origin is refused', async () => {
      const r = await tryOrigin(env.BAD);
      if (r.list !== 'blocked' || r.create === '201') throw new Error(JSON.stringify(r));
    });
  } finally {
    await browser.close();
  }
})().catch((e) => { say(false, 'the browser run raised', e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : String(e)); process.exit(1); });
