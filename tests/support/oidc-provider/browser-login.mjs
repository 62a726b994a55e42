// A person at a real browser: Debian's Chromium, headless, driven by puppeteer-core over the
// DevTools protocol. Opens the authorization URL it is given, logs in on the embedded
// server's login page, picks the first patient if the picker shows, approves on the consent
// page, and lets the redirect go to the application's loopback listener.
//
//   node browser-login.mjs URL USERNAME PASSWORD [CHROMIUM]
//
// Prints one JSON line: {"ok":true,"url":<where the browser ended>} or {"ok":false,"error":...}.

import puppeteer from 'puppeteer-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, username, password, executable = '/usr/bin/chromium'] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'fhir-portal-chromium-'));
let browser;
try {
  // The flags this machine needs (see the environment notes): no sandbox as root, and no
  // background networking, which a closed network refuses.
  browser = await puppeteer.launch({
    executablePath: executable,
    headless: true,
    userDataDir: profile,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage();
  page.setDefaultTimeout(30000);
  await page.goto(url, { waitUntil: 'load' });
  await page.type('input[name="username"]', username);
  await page.type('input[name="password"]', password);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
                     page.click('button[type="submit"], input[type="submit"]')]);
  for (let step = 0; step < 3; ++step) {
    if (await page.$('button[name="patient"]')) {
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
                         page.click('button[name="patient"]')]);
    } else if (await page.$('button[name="decision"][value="approve"]')) {
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
                         page.click('button[name="decision"][value="approve"]')]);
      break;
    } else {
      break;
    }
  }
  const text = await page.evaluate(() => document.body ? document.body.innerText : '');
  console.log(JSON.stringify({ ok: true, url: page.url(), title: await page.title(),
                               text: text.slice(0, 300) }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e && e.message || e) }));
  process.exitCode = 1;
} finally {
  if (browser) await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
