// A token's lifecycle in the console, in Debian's Chromium against a real stack (auth-service,
// suppliers-service, the edge serving the console, the development OpenID provider): its usage chart
// from requests made through the edge, and a rotation with a grace period that the ERP system can
// follow. The tests run in order, as an admin would.
import {
  ADMIN_API_PATH,
  call,
  DEV_SIGN_INS,
  errorCode,
  mintAdminJwt,
  startStack,
  waitFor,
} from '@eudr/testkit';
import type { Stack } from '@eudr/testkit';
import { launchBrowser, screenshot, seriousViolations } from './browser';
import type { TestBrowser } from './browser';
import { ConsoleApp } from './pages/console';
import { IntegrationsPage } from './pages/integrations';
import { TokensPage } from './pages/tokens';

const TOKEN_INFO = '/api/v1/integration/token';
const SUPPLIERS = '/api/v1/integration/suppliers';

let stack: Stack;
let browser: TestBrowser;
let app: ConsoleApp;
const state: { integrationId: string; token: string; tokenId: string } = {
  integrationId: '',
  token: '',
  tokenId: '',
};

beforeAll(async () => {
  stack = await startStack('console-lifecycle', { console: true, apps: { 'suppliers-service': {} } });
  browser = await launchBrowser(new URL(stack.edge.url).origin);
  app = new ConsoleApp(browser.page, stack.consoleUrl ?? '');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function expectAccessible(label: string): Promise<void> {
  const problems = await seriousViolations(browser.page);
  expect({ page: label, problems }).toEqual({ page: label, problems: [] });
}

/** The token's usage through the admin API (what the dialog shows). */
async function usage(): Promise<Record<string, unknown> | null> {
  const jwt = await mintAdminJwt({ secret: stack.adminSecret, org: DEV_SIGN_INS.adminA.org });
  const answer = await call(
    stack.edge.url,
    `${ADMIN_API_PATH}/integrations/${state.integrationId}/tokens/${state.tokenId}/usage`,
    { headers: { authorization: `Bearer ${jwt}` } },
  );
  return answer.body;
}

describe('a token’s lifecycle in the console', () => {
  it('1. shows a token’s usage as a chart, with the requests the ERP made and how they ended', async () => {
    await app.open('/', DEV_SIGN_INS.adminA.email);
    await app.page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor();
    state.integrationId = await new IntegrationsPage(app.page).create({ name: 'SAP ERP rotating' });
    const tokens = new TokensPage(app.page);
    await tokens.generate({
      name: 'nightly sync',
      scopes: ['integration:suppliers:read'],
      expiry: '90 days',
    });
    state.token = (await tokens.readAndCopyToken()).shown;
    await tokens.closeCreatedDialog();
    state.tokenId = String(await tokens.row('nightly sync').getAttribute('data-token-id'));

    const headers = { 'user-agent': 'SAP-Connector/7.5' };
    await waitFor(
      async () => (await call(stack.edge.url, TOKEN_INFO, { token: state.token, headers })).status === 200,
    );
    let made = 1;
    for (let i = 0; i < 6; i += 1, made += 1)
      await call(stack.edge.url, SUPPLIERS, { token: state.token, headers });
    for (let i = 0; i < 2; i += 1, made += 1) {
      const refused = await call(stack.edge.url, SUPPLIERS, {
        method: 'POST',
        token: state.token,
        headers,
        body: { suppliers: [] },
      });
      expect(errorCode(refused)).toBe('INSUFFICIENT_SCOPES');
    }
    // Counts are folded per batch, the last use once a second: wait for both.
    await waitFor(
      async () => {
        const body = await usage();
        return (
          (body?.['totals'] as { requests?: number } | undefined)?.requests === made && body?.['lastUsedAt']
        );
      },
      {
        timeoutMs: 30_000,
        intervalMs: 250,
        message: 'the usage to be counted',
      },
    );

    await app.page.reload();
    await tokens.row('nightly sync').getByRole('button', { name: 'Usage of token nightly sync' }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Usage of token “nightly sync”' });
    await dialog.getByTestId('usage-chart').waitFor();
    expect(await dialog.getByTestId('usage-totals').innerText()).toBe(
      `${made} requests: ${made - 2} succeeded, 0 refused with 401, 2 refused with 403, 0 rate limited`,
    );
    const text = await dialog.innerText();
    expect(text).toContain('from 127.0.0.1');
    expect(text).toContain('SAP-Connector/7.5');
    const bars = await dialog.locator('[data-testid="usage-chart"] rect').count();
    expect(bars).toBeGreaterThanOrEqual(2);
    await expectAccessible('token usage dialog');
    await screenshot(app.page, 'lifecycle-1-usage-per-day');
    await dialog.getByRole('radio', { name: 'Per hour, 48 hours' }).check();
    await screenshot(app.page, 'lifecycle-1-usage-per-hour');
    await dialog.getByRole('button', { name: 'Close' }).click();
  }, 90_000);

  it('2. rotates the token with a grace period: the new one is shown once, both work, the list links them', async () => {
    const tokens = new TokensPage(app.page);
    await tokens.row('nightly sync').getByRole('button', { name: 'Rotate token nightly sync' }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Rotate token “nightly sync”' });
    await dialog.getByRole('radio', { name: /^1 hour/ }).check();
    await expectAccessible('rotate dialog');
    await screenshot(app.page, 'lifecycle-2-rotate');
    await dialog.getByRole('button', { name: 'Rotate token' }).click();

    const { shown } = await tokens.readAndCopyToken();
    expect(shown).toMatch(/^eudr_live_[0-9a-f]{48}$/);
    expect(shown).not.toBe(state.token);
    const note = await tokens.createdDialog().getByTestId('grace-note').innerText();
    expect(note).toMatch(/^The old token eudr_live_[0-9a-f]{8}….{4} keeps working until /);
    await screenshot(app.page, 'lifecycle-2-rotated');
    await tokens.closeCreatedDialog();

    // Both tokens work during the grace period.
    expect((await call(stack.edge.url, TOKEN_INFO, { token: state.token })).status).toBe(200);
    await waitFor(async () => (await call(stack.edge.url, TOKEN_INFO, { token: shown })).status === 200);

    const rows = tokens.table().locator('tbody tr');
    expect(await rows.count()).toBe(2);
    const old = tokens.table().locator(`tr[data-token-id="${state.tokenId}"]`);
    expect(await old.innerText()).toMatch(/replaced; stops working in 1 hour/);
    expect(await old.getByRole('button', { name: 'Rotate token nightly sync' }).count()).toBe(0);
    const fresh = tokens.table().locator(`tbody tr:not([data-token-id="${state.tokenId}"])`);
    expect(await fresh.innerText()).toContain('rotated from an older token');
    await expectAccessible('tokens after a rotation');
    await screenshot(app.page, 'lifecycle-2-tokens-after-rotation');
  }, 60_000);
});
