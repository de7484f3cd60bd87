import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { createHarness, type Harness } from '../support/harness.js';

/**
 * GET /docs in a real headless Chromium (Debian's `chromium` package; .ci/run installs it):
 * the reference loads from this API alone, lists the webhook operations, and "Try it out"
 * calls the running API with the key entered under "Authorize".
 */
// Chromium parsing Swagger UI's 1.4 MB bundle took ~45 s on a loaded 2-core box; these bounds leave room.
const UI_WAIT_MS = 90_000;

describe('API reference page (/docs)', () => {
  let h: Harness;
  let browser: Browser;
  let key: string;

  beforeAll(async () => {
    h = await createHarness({ worker: false });
    ({ key } = await h.createTeam());
    await h.caller(key).eventTypes.create({ name: 'order.paid' });
    await h.caller(key).webhooks.create({ name: 'docs-hook', url: 'http://127.0.0.1:9/in', eventTypes: ['order.paid'] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('loads from this API alone, lists the webhook operations, and a "try it" call with an API key answers 200', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(UI_WAIT_MS);
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(h.apiUrl) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    await page.goto(`${h.apiUrl}/docs`);
    await page.locator('h3.opblock-tag[data-tag="webhooks"]').waitFor({ timeout: UI_WAIT_MS });
    const webhookOps = await page.locator('.opblock-tag-section:has(h3[data-tag="webhooks"]) .opblock-summary-path').allInnerTexts();
    const normalised = webhookOps.map((t) => t.replace(/\u200b/g, '').trim());
    expect(normalised).toEqual(
      expect.arrayContaining(['/v1/webhooks', '/v1/webhooks/{id}', '/v1/webhooks/{id}/rotate-secret', '/v1/webhooks/{id}/test']),
    );

    // Authorize with the API key (the X-API-KEY scheme is the first form of the dialog).
    await page.locator('.auth-wrapper button.authorize').click();
    const apiKeyForm = page.locator('.modal-ux .auth-container').first();
    await apiKeyForm.locator('input').fill(key);
    await apiKeyForm.locator('button.authorize').click();
    await page.locator('.modal-ux button.btn-done').first().click();

    const op = page.locator('#operations-webhooks-webhooks_list');
    await op.locator('.opblock-summary').first().click();
    await op.locator('button.try-out__btn').click();
    await op.locator('button.execute').click();
    const status = op.locator('.live-responses-table .response .response-col_status');
    await status.waitFor({ timeout: UI_WAIT_MS });
    expect((await status.innerText()).trim().split(/\s/)[0]).toBe('200');
    const body = await op.locator('.live-responses-table .response-col_description pre').first().innerText();
    expect(JSON.parse(body)).toMatchObject({ data: [{ name: 'docs-hook' }], pagination: { currentPage: 1, itemsTotal: 1 } });
    expect(foreign).toEqual([]);
  }, 240_000);
});
