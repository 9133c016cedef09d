/**
 * The dashboard in a real browser: Debian's headless Chromium, driven by
 * playwright-core, loads the page from a real server on 127.0.0.1, sees the
 * agents, submits a task through the form and sees it complete, and saves a
 * screenshot (test/serve/artifacts/dashboard.png).
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, expect, test } from 'vitest';
import { serve } from '../../dist/src/serve/index.js';
import { FAULT_AGENT } from '../helpers.mjs';

const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps trying hosts this closed network refuses.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let server;
let browser;
afterAll(async () => {
  await browser?.close();
  await server?.stop(true);
});

test('the dashboard shows the agents live and a task submitted through its form completes', async () => {
  server = await serve({ pool: { agent: FAULT_AGENT, size: 2 }, port: 0, version: 'test', token: 'dash' });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.url}/?token=dash`);
  // The agents table fills from GET /agents (with the token from the page's URL).
  await expect.poll(() => page.locator('#agents tbody tr').count(), { timeout: 30_000 }).toBe(2);
  await expect.poll(() => page.locator('#state').textContent(), { timeout: 30_000 }).toBe('running');
  await page.fill('textarea[name=payload]', '{ "op": "echo", "value": "from the browser" }');
  await page.click('#submit button');
  await expect.poll(() => page.locator('#submitted').textContent(), { timeout: 30_000 }).toMatch(/^task \d+: completed, result .*from the browser/);
  // The live feed got the task's events from the event stream.
  await expect.poll(() => page.locator('#events li', { hasText: 'taskCompleted' }).count(), { timeout: 30_000 }).toBeGreaterThan(0);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true });
  const id = Number(/^task (\d+)/.exec(await page.locator('#submitted').textContent())[1]);
  expect(server.pool.getTask(id).status).toBe('completed');
});
