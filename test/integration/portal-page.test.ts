import { mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput } from '../support/capture-output.js';
import { launchChromium } from '../support/chromium.js';
import { createHarness, type Harness } from '../support/harness.js';
import { type Receiver, startReceiver, waitFor } from '../support/receiver.js';
import { searchableHistory } from '../support/searchable-history.js';

/**
 * The consumer portal in a real headless Chromium (Debian's `chromium`, as docs-page.test.ts):
 * real Temporal, PostgreSQL and a loopback receiver, the session link made by the admin API.
 * Screenshots go to docs/images/.
 */
const WAIT_MS = 30_000;
// HERALD_PORTAL_SCREENSHOTS=1 writes them to docs/images/ (the README's); otherwise to a temporary folder.
const SHOTS = process.env.HERALD_PORTAL_SCREENSHOTS
  ? new URL('../../docs/images/', import.meta.url)
  : pathToFileURL(`${mkdtempSync(join(tmpdir(), 'herald-portal-'))}/`);
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

describe('consumer portal in a browser', () => {
  let h: Harness;
  let browser: Browser;
  let rx: Receiver;
  let failing = false;
  let team: Awaited<ReturnType<Harness['createTeam']>>;
  let projectId: string;
  /** Every session token and cookie value the tests used: none may reach a log or a history. */
  const secrets: string[] = [];
  const output = captureOutput();

  beforeAll(async () => {
    output.start();
    h = await createHarness({ env: { HERALD_LOG_LEVEL: 'debug' } });
    rx = await startReceiver(() => (failing ? { status: 500, body: 'broken today: disk full' } : { status: 200, body: 'thanks' }));
    team = await h.createTeam();
    const api = h.client(team.key);
    await api.eventTypes.create.mutate({ name: 'video.ready', description: 'A video finished encoding' });
    projectId = (await api.projects.create.mutate({ name: 'Acme Media', uid: 'acme' })).id;
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    output.stop();
    await browser?.close();
    await rx?.close();
    await h?.close();
  });

  async function open(
    permissions: 'manage' | 'read' = 'manage',
    opts: { bypassCSP?: boolean } = {},
  ): Promise<{ page: Page; foreign: string[] }> {
    const s = await h.client(team.key).portal.createSession.mutate({ uid: 'acme', permissions });
    const page = await browser.newPage(opts);
    page.setDefaultTimeout(WAIT_MS);
    page.on('dialog', (d) => d.accept());
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(h.apiUrl)) foreign.push(r.url());
    });
    // The link is on HERALD_PUBLIC_URL (or the configured host and port); this API listens on an ephemeral port.
    const link = new URL(s.url);
    secrets.push(link.searchParams.get('token')!);
    await page.goto(`${h.apiUrl}${link.pathname}${link.search}`);
    for (const c of await page.context().cookies()) if (c.name === 'herald_portal') secrets.push(c.value);
    await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
    return { page, foreign };
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: new URL(`portal-${name}.png`, SHOTS).pathname, fullPage: true });

  it('adds an endpoint, sends a test event and shows its delivery, shows a failure with the response body, and retries it', async () => {
    const { page, foreign } = await open();
    // The token left the address bar for a cookie.
    expect(page.url()).toBe(`${h.apiUrl}/portal/`);
    await expect(page.locator('#consumer').innerText()).resolves.toBe('Webhooks · Acme Media');

    await page.getByLabel('Name', { exact: true }).fill('Acme prod');
    await page.getByLabel('URL').fill(`${rx.url}/acme`);
    await page.getByLabel(/video\.ready/).check();
    await shot(page, 'endpoints');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByRole('heading', { name: 'Acme prod' }).waitFor();
    const [webhook] = (await h.client(team.key).webhooks.list.query({ projectId })).data;
    expect(webhook).toMatchObject({ name: 'Acme prod', url: `${rx.url}/acme`, eventTypes: ['video.ready'], projectId });

    await page.getByRole('button', { name: 'Send test event' }).click();
    await waitFor(() => rx.arrivals.some((a) => a.path === '/hook/acme'), WAIT_MS, 'the test event to arrive');
    const row = page.locator('table.deliveries tbody tr').first();
    // No click: the list refreshes itself while the page is shown.
    await waitFor(
      async () => (await row.innerText().catch(() => '')).includes('succeeded'),
      WAIT_MS,
      'the test delivery to show as succeeded',
    );
    expect(await row.innerText()).toContain('webhook.test');

    // The receiver fails: the delivery shows the failed attempt with what the receiver answered.
    failing = true;
    const e = await h.client(team.key).events.publish.mutate({ type: 'video.ready', data: { videoId: 'v1' }, projectId });
    await waitFor(() => rx.arrivals.some((a) => a.body.includes(e.id)), WAIT_MS, 'the failing attempt');
    await page.goto(`${h.apiUrl}/portal/#/deliveries/${encodeURIComponent(`delivery:${e.id}:${webhook!.id}`)}`);
    await page.getByText('answered 500').waitFor();
    await expect(page.locator('pre.body').first().innerText()).resolves.toBe('broken today: disk full');
    await shot(page, 'delivery');

    failing = false;
    await page.getByRole('button', { name: 'Retry now' }).click();
    await waitFor(
      async () => {
        await page.reload();
        return (await page.locator('dd.st-succeeded').count()) > 0;
      },
      WAIT_MS,
      'the retried delivery to succeed',
    );
    await page.getByText('answered 200').waitFor();
    // Finished, read from PostgreSQL: the request headers each attempt sent, signatures masked.
    await page.getByText('Request headers sent').first().click();
    const sent = await page.locator('details.request-headers pre').first().innerText();
    expect(sent).toMatch(/^webhook-id: msg_/m);
    expect(sent).toMatch(/^webhook-signature: v1,\*\*\*$/m);
    expect(sent).toContain('content-type: application/json');
    expect(foreign).toEqual([]);
    await page.close();
  }, 180_000);

  it('rotates the signing secret; the next delivery verifies with the new secret and, during the grace period, the old one', async () => {
    const { page } = await open();
    const [webhook] = (await h.client(team.key).webhooks.list.query({ projectId })).data;
    await page.goto(`${h.apiUrl}/portal/#/endpoints/${encodeURIComponent(webhook!.id)}`);
    await page.getByRole('heading', { name: 'Acme prod' }).waitFor();
    await page.getByRole('button', { name: 'Reveal' }).click();
    await page.locator('code.secret', { hasText: 'whsec_' }).waitFor();
    const oldSecret = await page.locator('code.secret').innerText();
    await page.getByRole('button', { name: 'Rotate' }).click();
    await page.getByText('Rotated: reveal to see the new secret').waitFor();
    await page.getByRole('button', { name: 'Reveal' }).click();
    await waitFor(async () => (await page.locator('code.secret').innerText()) !== oldSecret, WAIT_MS, 'the new secret');
    const newSecret = await page.locator('code.secret').innerText();
    expect(newSecret).toMatch(/^whsec_/);
    await shot(page, 'endpoint');

    // Settings edited in place.
    await page.getByText('Edit settings').click();
    await page.getByLabel('Rate limit (deliveries per second)').fill('25');
    await page.getByLabel('Custom headers (one "Name: value" a line)').fill('X-Tenant: acme');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('25/s').waitFor();
    expect(await h.client(team.key).webhooks.get.query({ id: webhook!.id })).toMatchObject({
      rateLimitPerSecond: 25,
      headers: { 'X-Tenant': 'acme' },
    });

    const e = await h.client(team.key).events.publish.mutate({ type: 'video.ready', data: { videoId: 'v2' }, projectId });
    const arrival = await waitFor(() => rx.arrivals.find((a) => a.body.includes(e.id)), WAIT_MS, 'the delivery after rotation');
    const headers = arrival.headers as Record<string, string>;
    expect(new Webhook(newSecret).verify(arrival.body, headers)).toMatchObject({ type: 'video.ready' });
    expect(new Webhook(oldSecret).verify(arrival.body, headers)).toMatchObject({ type: 'video.ready' });
    await page.close();
  }, 120_000);

  it('offers no change to a read session, and stays readable 375 px wide', async () => {
    const { page } = await open('read');
    await page.setViewportSize({ width: 375, height: 800 });
    await page.getByText('This session can read, not change.').waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await page.locator('table a').first().click();
    await page.getByRole('button', { name: 'Send test event' }).waitFor();
    expect(await page.getByRole('button', { name: 'Send test event' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Refresh' }).isDisabled()).toBe(false);
    expect(await page.getByText('Edit settings').count()).toBe(0);
    expect(await page.locator('main').innerText()).not.toMatch(/\b(null|undefined)\b/);
    await shot(page, 'mobile');
    await page.close();
  }, 60_000);

  it('has no serious or critical axe-core violations on its pages, and is keyboard reachable', async () => {
    // CSP bypassed for this page only, so the axe script can be injected.
    const { page } = await open('manage', { bypassCSP: true });
    const [webhook] = (await h.client(team.key).webhooks.list.query({ projectId })).data;
    const { data } = await h.client(team.key).deliveries.list.query({ webhookId: webhook!.id, pageSize: 1 });
    const pages = ['#/', `#/endpoints/${encodeURIComponent(webhook!.id)}`, `#/deliveries/${encodeURIComponent(data[0]!.id)}`, '#/events'];
    const found: string[] = [];
    for (const hash of pages) {
      await page.goto(`${h.apiUrl}/portal/${hash}`);
      await page.locator('main h1').waitFor();
      await page.addScriptTag({ path: AXE });
      const violations = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)')) as {
        id: string;
        impact: string;
      }[];
      for (const v of violations) if (v.impact === 'serious' || v.impact === 'critical') found.push(`${hash} ${v.id} (${v.impact})`);
    }
    expect(found).toEqual([]);
    // Each view takes the focus to its content; the skip link (first in the page) leads there, and Tab goes on through it.
    await page.goto(`${h.apiUrl}/portal/#/events`);
    await page.locator('main h1', { hasText: 'Events' }).waitFor();
    expect(await page.evaluate('document.activeElement.id')).toBe('main');
    expect(await page.evaluate('document.querySelector("a[href], button, input").textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.closest("main") !== null && document.activeElement.tagName')).toBe('A');
    await page.keyboard.press('Enter');
    await page.locator('main h1', { hasText: 'video.ready' }).waitFor();
    await page.close();
  }, 120_000);

  it('loads inside an iframe of an origin the team allows, and is refused by any other', async () => {
    const parent = (src: string) =>
      http.createServer((_req, res) =>
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<iframe title="portal" src="${src}"></iframe>`),
      );
    const link = async () => {
      const s = await h.client(team.key).portal.createSession.mutate({ uid: 'acme', permissions: 'read' });
      const u = new URL(s.url);
      return `${h.apiUrl}${u.pathname}${u.search}`;
    };
    const allowed = parent(await link());
    const other = parent(await link());
    await Promise.all([allowed, other].map((s) => new Promise<void>((r) => s.listen(0, 'localhost', r))));
    const origin = (s: http.Server) => `http://localhost:${(s.address() as AddressInfo).port}`;
    expect(await h.client(team.key).portal.setFrameAncestors.mutate({ origins: [origin(allowed)] })).toEqual({
      origins: [origin(allowed)],
    });
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(WAIT_MS);
      await page.goto(`${origin(allowed)}/`);
      const framed = await waitFor(() => page.frames().find((f) => f !== page.mainFrame()), WAIT_MS, 'the iframe');
      await framed.locator('#consumer', { hasText: 'Webhooks · Acme Media' }).waitFor();
      await framed.getByRole('heading', { name: 'Endpoints' }).waitFor();
      await page.close();

      const refusedPage = await browser.newPage();
      const logs: string[] = [];
      refusedPage.on('console', (m) => logs.push(m.text()));
      await refusedPage.goto(`${origin(other)}/`);
      const frame = await waitFor(() => refusedPage.frames().find((f) => f !== refusedPage.mainFrame()), WAIT_MS, 'the iframe');
      await waitFor(() => logs.some((t) => t.includes('frame-ancestors')), WAIT_MS, 'the refusal');
      expect(await frame.locator('#consumer').count()).toBe(0);
      await refusedPage.close();
    } finally {
      allowed.close();
      other.close();
      await h.client(team.key).portal.setFrameAncestors.mutate({ origins: [] });
    }
  }, 90_000);

  it('refuses an allowed origin that is not an origin, naming the field', async () => {
    const err = await h
      .client(team.key)
      .portal.setFrameAncestors.mutate({ origins: ['https://app.example.com/path'] })
      .then(
        () => null,
        (e: { data?: { httpStatus?: number }; message: string }) => e,
      );
    expect(err?.data?.httpStatus).toBe(400);
    expect(err?.message).toMatch(/origins\.0.*must be an origin/);
  });

  it('keeps every session token and cookie out of logs and workflow histories', async () => {
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    // The test event, the failing one and the one after rotation.
    const ids = await waitFor(
      async () => {
        const found: string[] = [];
        for await (const wf of h.temporal.workflow.list({ query: `TaskQueue = "${h.config.temporal.taskQueue}"` }))
          found.push(wf.workflowId);
        return found.length >= 3 ? found : undefined;
      },
      WAIT_MS,
      'the deliveries in visibility',
    );
    const histories = await Promise.all(ids.map(async (id) => searchableHistory(await h.temporal.workflow.getHandle(id).fetchHistory())));
    expect(histories.join('')).toContain('video.ready');
    const corpus = [...histories, output.text()].join('\n');
    for (const s of secrets) expect(corpus.includes(s), `found a portal secret starting ${s.slice(0, 6)}`).toBe(false);
  });
});
