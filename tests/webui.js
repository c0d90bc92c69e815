// The browser half of tests/net/webui.sh: drives two agents' web pages
// (alice's and bob's, each in its own browser context, as two people
// would) in headless Chromium with playwright-core, through the whole
// daily flow, and saves a screenshot of each page.
//
//   node tests/webui.js ALICE-URL BOB-URL ARTIFACT-DIR
//
// Playwright gives the browser a fresh profile in $TMPDIR.
// Prints a JSON summary on its last line; exits 1 on the first failure.
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const [aliceUrl, bobUrl, artifacts] = process.argv.slice(2);
const CHROMIUM = process.env.PETMAIL_CHROMIUM || '/usr/bin/chromium';
const LONG = 180000;	// an introduction or a delivery over the private Tor network
const XSS = '<script>window.__pwned = 1</script><img src=x ' +
  'onerror="window.__pwned = 1; alert(1)"> & "quotes"';

const problems = [];	// page errors, console errors, dialogs, CSP violations
const t0 = Date.now();
function step(msg) {
  console.log('# ' + ((Date.now() - t0) / 1000).toFixed(1) + ' s: ' + msg);
}
function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function newPage(browser, who) {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 720 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(who + ': page error: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(who + ': console error: ' + m.text());
  });
  page.on('dialog', (d) => {
    problems.push(who + ': a dialog opened: ' + d.message());
    d.dismiss().catch(() => {});
  });
  // Record CSP violations: the page itself must cause none.
  await ctx.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation',
      (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
  });
  page.who = who;
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, name + '.png'), fullPage: true });
  step('screenshot ' + name + '.png');
}

// Open the page on its one-time URL; the token must leave the address.
async function open(page, url) {
  await page.goto(url);
  await page.waitForSelector('#page-status:not([hidden])');
  const now = page.url();
  check(!now.includes('#t=') && now.endsWith('/#status'),
    page.who + ': the token is still in the address: ' + now);
  const cdp = await page.context().newCDPSession(page);
  const hist = await cdp.send('Page.getNavigationHistory');
  check(hist.entries.every((e) => !e.url.includes('#t=')),
    page.who + ': the token is in the history: ' +
    JSON.stringify(hist.entries.map((e) => e.url)));
  await cdp.detach();
}

async function waitStatus(page) {
  await page.waitForFunction(() =>
    document.getElementById('tor-progress').value === 100 &&
    document.getElementById('published').textContent === '(published)',
  null, { timeout: LONG });
  const summary = await page.textContent('#tor-summary');
  check(summary.length > 0, page.who + ': no tor summary shown');
}

async function gotoPage(page, name) {
  await page.click('#nav-' + name);
  await page.waitForSelector('#page-' + name + ':not([hidden])');
}

function contactRow(page, petname) {
  return page.locator('#contacts-body tr').filter({
    has: page.locator('th', { hasText: new RegExp('^' + petname + '$') }),
  });
}

function message(page, body) {
  return page.locator('#messages li.msg').filter({
    has: page.locator('p.body').filter({ hasText: body }),
  });
}

async function openChat(page, petname) {
  await gotoPage(page, 'conversations');
  await page.locator('#chat-list button', { hasText: petname }).first().click();
  await page.waitForFunction((n) =>
    document.getElementById('chat-title').textContent === 'With ' + n, petname);
}

async function main() {
  fs.mkdirSync(artifacts, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const out = {};
  const alice = await newPage(browser, 'alice');
  const bob = await newPage(browser, 'bob');
  try {
    // Open both, once each; the same link a second time is refused.
    await open(alice, aliceUrl);
    await open(bob, bobUrl);
    const again = await alice.context().newPage();
    await again.goto(aliceUrl);
    await again.waitForSelector('#page-start:not([hidden])');
    check(/used already or has expired/.test(await again.textContent('#start-text')),
      'a used link was not refused: ' + await again.textContent('#start-text'));
    await again.close();
    // A reload keeps the session (the page's token is in sessionStorage).
    await alice.reload();
    await alice.waitForSelector('#page-status:not([hidden])');
    await waitStatus(alice);
    await waitStatus(bob);
    step('both pages open, tor at 100 %, published');
    await shot(alice, 'status');

    // The keyboard alone reaches the pages: Tab to Contacts, Enter.
    await alice.focus('#nav-status');
    await alice.keyboard.press('Tab');
    check(await alice.evaluate(() => document.activeElement.id) === 'nav-contacts',
      'Tab from Status does not reach Contacts');
    await alice.keyboard.press('Enter');
    await alice.waitForSelector('#page-contacts:not([hidden])');

    // Alice invites bob with a short code; bob accepts it.
    await alice.fill('#invite-name', 'bob');
    await alice.click('#invite-form button[type=submit]');
    await alice.waitForFunction(() =>
      document.getElementById('invite-code').textContent !== '', null, { timeout: LONG });
    const code = await alice.textContent('#invite-code');
    check(/^[0-9]+-[a-z]+-[a-z]+$/.test(code), 'not a short code: ' + code);
    check(await alice.isHidden('#invite-qr'), 'a short code got a QR code');
    out.code = code;
    step('alice shows the code');
    await shot(alice, 'contacts-invite');
    await gotoPage(bob, 'contacts');
    await bob.fill('#accept-code', code);
    await bob.fill('#accept-name', 'alice');
    await bob.click('#accept-form button[type=submit]');
    await bob.waitForSelector('#accept-state[data-state="done"]', { timeout: LONG });
    await alice.waitForSelector('#invite-state[data-state="done"]', { timeout: LONG });
    check(await alice.textContent('#invite-code') === '',
      'the code stays on the page after it was used');
    const wa = await contactRow(alice, 'bob').locator('td.words').textContent();
    const wb = await contactRow(bob, 'alice').locator('td.words').textContent();
    check(wa === wb && wa.split(' ').length >= 2,
      'verification words differ: "' + wa + '" / "' + wb + '"');
    check(await contactRow(alice, 'bob').locator('.badge').textContent() === 'ready',
      'bob is not ready on alice\'s page');
    out.verification = wa;
    step('introduced; both see "' + wa + '"');
    await shot(bob, 'contacts-bob');

    // Rename: bob becomes bobby on alice's page.
    await contactRow(alice, 'bob').locator('button', { hasText: 'Rename' }).click();
    await alice.fill('#contacts-body input', 'bobby');
    await alice.keyboard.press('Enter');
    await contactRow(alice, 'bobby').waitFor();

    // A direct code has a QR code; its pending contact is then removed.
    await alice.fill('#invite-name', 'carol');
    await alice.check('#invite-direct');
    await alice.click('#invite-form button[type=submit]');
    await alice.waitForSelector('#invite-qr:not([hidden])', { timeout: LONG });
    await alice.waitForFunction(() =>
      document.getElementById('invite-qr').naturalWidth > 0);
    out.direct_code = await alice.textContent('#invite-code');
    await alice.locator('#invite-qr').screenshot({ path: path.join(artifacts, 'qr.png') });
    await contactRow(alice, 'carol').waitFor();
    check(await contactRow(alice, 'carol').locator('.badge').textContent() === 'pending',
      'carol is not pending');
    await shot(alice, 'contacts');
    await contactRow(alice, 'carol').locator('button', { hasText: 'Remove' }).click();
    await contactRow(alice, 'carol').locator('button', { hasText: 'Remove carol' }).click();
    await contactRow(alice, 'carol').waitFor({ state: 'detached' });
    step('renamed bob, made a direct code with a QR code, removed carol');

    // Conversations, live both ways.
    await openChat(bob, 'alice');
    await openChat(alice, 'bobby');
    await alice.fill('#send-text', 'hello bob');
    await alice.keyboard.press('Tab');	// to Send: keyboard only
    check(await alice.evaluate(() => document.activeElement.textContent) === 'Send',
      'Tab from the message box does not reach Send');
    await alice.keyboard.press('Enter');
    await message(alice, /^hello bob$/).waitFor();
    await message(bob, /^hello bob$/).waitFor({ timeout: LONG });
    step('bob sees "hello bob" arrive, without a reload');
    await message(alice, /^hello bob$/).and(alice.locator('[data-state="delivered"]'))
      .waitFor({ timeout: LONG });
    check(await message(alice, /^hello bob$/).locator('.state').textContent() === 'delivered',
      'alice\'s message does not say delivered');
    step('alice sees it turn delivered');

    await bob.fill('#send-text', 'hi alice');
    await bob.keyboard.press('Control+Enter');
    await message(alice, /^hi alice$/).waitFor({ timeout: LONG });
    await message(bob, /^hi alice$/).and(bob.locator('[data-state="delivered"]'))
      .waitFor({ timeout: LONG });
    step('and back: alice sees "hi alice", bob sees it delivered');

    // A message made of markup is shown as text and runs nothing.
    // Count bob's incoming messages first, then wait for one more,
    // whatever it shows as.
    const before = await bob.locator('#messages li.msg.in').count();
    await alice.fill('#send-text', XSS);
    await alice.click('#send-form button[type=submit]');
    await bob.waitForFunction((n) =>
      document.querySelectorAll('#messages li.msg.in').length > n, before,
    { timeout: LONG });
    const got = bob.locator('#messages li.msg.in p.body').last();
    await bob.waitForTimeout(1000);	// time for an onerror to fire, if any
    check(await got.textContent() === XSS, 'the text differs: ' + await got.textContent());
    for (const p of [alice, bob]) {
      check(await p.locator('#messages img, #messages script').count() === 0,
        p.who + ': markup in a message became elements');
      check(await p.evaluate(() => window.__pwned) === undefined,
        p.who + ': the message ran script');
    }
    await message(alice, 'window.__pwned').and(alice.locator('[data-state="delivered"]'))
      .waitFor({ timeout: LONG });
    step('<script> and <img onerror> shown as text, nothing ran');

    // Bob deletes alice's first message.
    const n = await bob.locator('#messages li.msg').count();
    await message(bob, /^hello bob$/).locator('button.delete').click();
    await message(bob, /^hello bob$/).waitFor({ state: 'detached' });
    check(await bob.locator('#messages li.msg').count() === n - 1, 'not one message fewer');
    step('bob deleted "hello bob"');
    await shot(bob, 'conversation-bob');
    await shot(alice, 'conversation');

    // Readable at 200 % zoom: half the CSS width, no sideways scrolling.
    for (const p of [alice, bob]) {
      await p.setViewportSize({ width: 500, height: 720 });
      await p.waitForTimeout(200);
      for (const name of ['status', 'contacts', 'conversations']) {
        await gotoPage(p, name);
        check(await p.evaluate(() =>
          document.documentElement.scrollWidth <= window.innerWidth),
          p.who + ': the ' + name + ' page scrolls sideways at 200 %');
      }
    }
    await shot(alice, 'conversation-zoom200');

    for (const p of [alice, bob]) {
      const csp = await p.evaluate(() => window.__csp);
      check(csp.length === 0, p.who + ': CSP violations: ' + csp.join(', '));
    }
    check(problems.length === 0, problems.join('\n'));
  } catch (e) {
    for (const p of [alice, bob]) {
      await p.screenshot({ path: path.join(artifacts, 'failed-' + p.who + '.png'),
        fullPage: true }).catch(() => {});
    }
    console.log('# problems seen: ' + JSON.stringify(problems));
    throw e;
  } finally {
    await browser.close();
  }
  out.seconds = (Date.now() - t0) / 1000;
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error('FAIL: ' + (e && e.stack || e));
  process.exit(1);
});
