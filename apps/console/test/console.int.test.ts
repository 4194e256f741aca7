// The console in Debian's Chromium against a real stack: auth-service, suppliers-, batches- and
// webhooks-service, the edge serving the console, and the development OpenID provider. The tests run in
// order and build on each other (one integration of organisation A throughout), as an admin would.
import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { call, DEV_SIGN_INS, errorCode, startStack, waitFor } from '@eudr/testkit';
import type { HttpResult, Stack } from '@eudr/testkit';
import { launchBrowser, screenshot, seriousViolations } from './browser';
import type { TestBrowser } from './browser';
import { ConsoleApp } from './pages/console';
import { IntegrationsPage } from './pages/integrations';
import { focused, tabTo } from './pages/keyboard';
import { SyncPage } from './pages/sync';
import { TokensPage } from './pages/tokens';
import { WebhooksPage } from './pages/webhooks';

const SUPPLIERS = '/api/v1/integration/suppliers';
const PRODUCTS = '/api/v1/integration/products';

let stack: Stack;
let browser: TestBrowser;
let app: ConsoleApp;
let receiver: Server;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];
const state: { integrationId?: string; token?: string } = {};

beforeAll(async () => {
  stack = await startStack('console', {
    console: true,
    apps: {
      'suppliers-service': {},
      'batches-service': {},
      'webhooks-service': {
        WEBHOOK_TARGET_ALLOWLIST: '127.0.0.1',
        WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
      },
    },
  });
  browser = await launchBrowser(new URL(stack.edge.url).origin);
  // The test's own webhook receiver: records every delivery and answers 200.
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  app = new ConsoleApp(browser.page, stack.consoleUrl ?? '');
}, 180_000);

afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  await browser?.close();
  await stack?.close();
});

/** Polls the Integration API with `token` until `accept` holds for the answer (no fixed sleeps). */
function answerOf(token: string, path: string, accept: (r: HttpResult) => boolean, timeoutMs = 10_000) {
  return waitFor(
    async () => {
      const result = await call(stack.edge.url, path, { token });
      return accept(result) ? result : null;
    },
    { timeoutMs, intervalMs: 10, message: `${path} to answer as expected` },
  );
}

async function expectAccessible(label: string): Promise<void> {
  const problems = await seriousViolations(browser.page);
  expect({ page: label, problems }).toEqual({ page: label, problems: [] });
}

describe('the console in a real browser', () => {
  it('1. signs in an admin of A, who creates an integration and a two-scope 30-day token that works, within its scopes', async () => {
    await app.open('/', DEV_SIGN_INS.adminA.email);
    await app.page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor();
    expect(await app.page.getByTestId('org-name').innerText()).toBe('Acme Cocoa');
    await expectAccessible('integrations (empty)');

    // A value the API refuses comes back in words next to its field, never as the raw answer.
    const refusal = await new IntegrationsPage(app.page).createRefused({
      name: 'SAP ERP production',
      rateLimit: 0,
    });
    expect(refusal.field).toMatch(/must be a whole number of requests per minute from 1 to 100000/);
    expect(refusal.dialog).toContain('Rate limit per minute must be a whole number');
    expect(refusal.dialog).not.toMatch(/[{}]|"error"|VALIDATION_ERROR|rateLimitPerMinute/);
    await screenshot(app.page, '1-refused-in-words');
    await refusal.cancel();

    state.integrationId = await new IntegrationsPage(app.page).create({
      name: 'SAP ERP production',
      description: 'Pushes suppliers every night',
    });
    const tokens = new TokensPage(app.page);
    await tokens.generate({
      name: 'nightly sync',
      scopes: ['integration:suppliers:read', 'integration:suppliers:write'],
      expiry: '30 days',
    });
    const { shown, clipboard, dialogText } = await tokens.readAndCopyToken();
    expect(shown).toMatch(/^eudr_live_[0-9a-f]{48}$/);
    expect(clipboard).toBe(shown);
    expect(dialogText).toContain('You will not see this token again.');
    await expectAccessible('created token dialog');
    await screenshot(app.page, '1-token-created');
    await tokens.closeCreatedDialog();
    state.token = shown;

    const row = tokens.row('nightly sync');
    expect(await row.innerText()).toContain(`${shown.slice(0, 18)}…${shown.slice(-4)}`);
    expect(await row.innerText()).toMatch(/Expires in (30|29) days/);
    expect(await tokens.statusOf('nightly sync')).toBe('Active');

    const ok = await answerOf(shown, SUPPLIERS, (r) => r.status === 200);
    expect(ok.status).toBe(200);
    const refused = await call(stack.edge.url, PRODUCTS, { token: shown });
    expect({ status: refused.status, code: errorCode(refused) }).toEqual({
      status: 403,
      code: 'INSUFFICIENT_SCOPES',
    });
    await expectAccessible('tokens');
  }, 60_000);

  it('2. revokes the token in the console; the API refuses it with 401 TOKEN_REVOKED within a second', async () => {
    const token = state.token ?? '';
    const tokens = new TokensPage(app.page);
    const dialog = await tokens.askToRevoke('nightly sync');
    expect(await dialog.innerText()).toContain('401 TOKEN_REVOKED');
    await expectAccessible('revoke confirmation');
    const confirm = dialog.getByRole('button', { name: 'Revoke token' });
    const clicked = Date.now();
    await confirm.click();
    const revoked = await answerOf(token, SUPPLIERS, (r) => r.status !== 200, 5_000);
    const ms = revoked.at - clicked;
    process.stdout.write(`console: Revoke clicked → first 401 ${errorCode(revoked)} seen after ${ms} ms\n`);
    expect({ status: revoked.status, code: errorCode(revoked) }).toEqual({
      status: 401,
      code: 'TOKEN_REVOKED',
    });
    expect(ms).toBeLessThan(1000);

    await waitFor(async () => (await tokens.statusOf('nightly sync')) === 'Revoked', {
      message: 'the list to show the token revoked',
    });
    expect(await tokens.row('nightly sync').getAttribute('class')).toContain('ended');
    await tokens.filter('Active');
    await app.page.getByText('No active tokens').waitFor();
    await tokens.filter('Revoked');
    await tokens.row('nightly sync').waitFor();
    await screenshot(app.page, '2-token-revoked');
    await tokens.filter('All');
  }, 60_000);

  it('3. deactivating the integration refuses its other token with 403 INTEGRATION_INACTIVE; reactivating lets it in', async () => {
    const tokens = new TokensPage(app.page);
    await tokens.generate({
      name: 'second system',
      scopes: ['integration:suppliers:read'],
      expiry: '90 days',
    });
    const { shown: token } = await tokens.readAndCopyToken();
    await tokens.closeCreatedDialog();
    await answerOf(token, SUPPLIERS, (r) => r.status === 200);

    const integrations = new IntegrationsPage(app.page);
    const confirmation = await integrations.setActive(false);
    expect(confirmation).toContain('403 INTEGRATION_INACTIVE');
    const inactive = await answerOf(token, SUPPLIERS, (r) => r.status !== 200, 5_000);
    expect({ status: inactive.status, code: errorCode(inactive) }).toEqual({
      status: 403,
      code: 'INTEGRATION_INACTIVE',
    });
    await app.page.getByText('This integration is inactive').waitFor();
    await screenshot(app.page, '3-integration-inactive');
    await expectAccessible('inactive integration');

    await integrations.setActive(true);
    expect((await answerOf(token, SUPPLIERS, (r) => r.status === 200, 5_000)).status).toBe(200);
  }, 60_000);

  it('4. adds a webhook pointing at the test’s receiver, sends a test delivery and finds it in the history', async () => {
    await app.openTab('Webhooks');
    await app.page.getByText('No webhooks yet').waitFor();
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/eudr-hooks`;
    const webhooks = new WebhooksPage(app.page);
    const secret = await webhooks.add(url, ['sync.completed', 'sync.failed']);
    expect(secret).toMatch(/^whsec_/);

    const outcome = await webhooks.sendTest(url);
    expect(outcome).toMatch(/Test delivery received.*\n?.*HTTP 200 in \d+ ms/s);
    // What the receiver got is signed with the secret the console showed once (Standard Webhooks).
    const delivery = received.at(-1);
    if (delivery === undefined) throw new Error('the receiver got nothing');
    const {
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': signature,
    } = delivery.headers;
    const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
      .update(`${String(id)}.${String(timestamp)}.${delivery.body}`)
      .digest('base64');
    expect(String(signature).split(' ')).toContain(`v1,${expected}`);
    await expectAccessible('webhooks');

    await webhooks.openDeliveries(url);
    const rows = webhooks.deliveries();
    await rows.first().waitFor();
    expect(await rows.first().innerText()).toMatch(/test[\s\S]*Delivered[\s\S]*HTTP 200 in \d+ ms/);
    await screenshot(app.page, '4-webhook-deliveries');
    await expectAccessible('webhook deliveries');
  }, 60_000);

  it('5. shows a push of suppliers in the sync history with its counts', async () => {
    const tokens = new TokensPage(app.page);
    await app.openTab('API tokens');
    await tokens.generate({
      name: 'supplier push',
      scopes: ['integration:suppliers:write'],
      expiry: '30 days',
    });
    const { shown: token } = await tokens.readAndCopyToken();
    await tokens.closeCreatedDialog();
    const suppliers = [
      { externalId: 'SUP-1', name: 'Cocoa Co', country: 'GH' },
      { externalId: 'SUP-2', name: 'Bean Farm', country: 'CI' },
      { externalId: 'SUP-3', name: 'Nowhere Ltd', country: 'XX' },
    ];
    const push = await waitFor(
      async () => {
        const answer = await call(stack.edge.url, SUPPLIERS, { method: 'POST', token, body: { suppliers } });
        return answer.status === 200 ? answer : null;
      },
      { message: 'the push to be accepted' },
    );
    expect(push.body).toMatchObject({ created: 2, errors: [{ externalId: 'SUP-3' }] });

    await app.openTab('Sync history');
    const sync = new SyncPage(app.page);
    const row = sync.rows().filter({ hasText: 'Supplier' }).first();
    await waitFor(
      async () => {
        if ((await row.count()) > 0) return true;
        await sync.refresh();
        return false;
      },
      { intervalMs: 250, message: 'the push to reach the sync history' },
    );
    const text = await row.innerText();
    expect(text).toContain('Partly failed');
    expect(text.replace(/\s+/g, ' ')).toContain('2 0 1 2');
    expect(text).toMatch(/1 of 3 records failed/);
    await waitFor(
      async () => (await sync.total('suppliers').innerText()) === '2' || (await sync.refresh(), false),
      {
        intervalMs: 250,
        message: 'the supplier total to count the push',
      },
    );
    await screenshot(app.page, '5-sync-history');
    await expectAccessible('sync history');

    await sync.filter('Status', 'Failed');
    await app.page.getByText('No pushes match').waitFor();
    await sync.filter('Status', 'Partly failed');
    await sync.filter('Entity', 'Suppliers');
    await row.waitFor();
  }, 60_000);

  it('6. the admin of B sees none of A’s integrations and a not-found page for one of them; a member is refused', async () => {
    const other = await launchBrowser(new URL(stack.edge.url).origin);
    try {
      const b = new ConsoleApp(other.page, stack.consoleUrl ?? '');
      await b.open('/integrations', DEV_SIGN_INS.adminB.email);
      await other.page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor();
      expect(await other.page.getByTestId('org-name').innerText()).toBe('Borealis Coffee');
      await other.page.getByText('No integrations yet').waitFor();
      expect(await other.page.getByText('SAP ERP production').count()).toBe(0);

      await b.open(`/integrations/${state.integrationId ?? ''}/tokens`);
      await other.page.getByTestId('not-found').waitFor();
      expect(await b.heading().innerText()).toBe('Integration not found');
      await screenshot(other.page, '6-other-organisation-not-found');
      expect({ page: 'not found', problems: await seriousViolations(other.page) }).toEqual({
        page: 'not found',
        problems: [],
      });
    } finally {
      await other.close();
    }

    const member = await launchBrowser(new URL(stack.edge.url).origin);
    try {
      await new ConsoleApp(member.page, stack.consoleUrl ?? '').open(
        '/integrations',
        DEV_SIGN_INS.member.email,
      );
      await member.page.getByTestId('refused').waitFor();
      const text = await member.page.getByTestId('refused').innerText();
      expect(text).toContain('This console is for organisation admins');
      expect(text).toContain('Mia Member');
      expect(text).toContain('“member”');
      await screenshot(member.page, '6-member-refused');
      expect({ page: 'refused', problems: await seriousViolations(member.page) }).toEqual({
        page: 'refused',
        problems: [],
      });
    } finally {
      await member.close();
    }
  }, 60_000);

  it('7. generates and revokes a token with the keyboard alone', async () => {
    const { page } = app;
    const tokens = new TokensPage(page);
    await app.open(`/integrations/${state.integrationId ?? ''}/tokens`);
    await tokens.table().waitFor();

    await tabTo(page, page.getByRole('button', { name: 'Generate token' }));
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: /^Generate a token for / });
    await dialog.getByRole('checkbox').first().waitFor();
    expect(await focused(dialog.getByLabel('Token name'))).toBe(true);
    await page.keyboard.type('keyboard only');
    for (const scope of ['integration:suppliers:read', 'integration:sync:read']) {
      await tabTo(page, dialog.getByRole('checkbox', { name: new RegExp(scope) }));
      await page.keyboard.press('Space');
    }
    await tabTo(page, dialog.getByRole('radio', { name: /^30 days/ }));
    await page.keyboard.press('ArrowDown');
    expect(await dialog.getByRole('radio', { name: /^90 days/ }).isChecked()).toBe(true);
    await expectAccessible('generate token dialog');
    await screenshot(page, '7-keyboard-generate-dialog');
    await tabTo(page, dialog.getByRole('button', { name: 'Generate token' }));
    await page.keyboard.press('Enter');

    const created = tokens.createdDialog();
    await tabTo(page, created.getByRole('button', { name: 'Copy' }));
    await page.keyboard.press('Enter');
    await created.getByText('Copied to the clipboard.').waitFor();
    const token = await page.evaluate(() => navigator.clipboard.readText());
    expect(token).toMatch(/^eudr_live_[0-9a-f]{48}$/);
    await tabTo(page, created.getByRole('button', { name: 'I have copied the token' }));
    await page.keyboard.press('Enter');
    await created.waitFor({ state: 'detached' });
    await answerOf(token, SUPPLIERS, (r) => r.status === 200);

    await tabTo(
      page,
      tokens.row('keyboard only').getByRole('button', { name: 'Revoke token keyboard only' }),
    );
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('dialog', { name: 'Revoke token “keyboard only”?' });
    expect(await focused(confirm.getByRole('button', { name: 'Cancel' }))).toBe(true);
    await tabTo(page, confirm.getByRole('button', { name: 'Revoke token' }));
    await page.keyboard.press('Enter');
    await confirm.waitFor({ state: 'detached' });
    const refused = await answerOf(token, SUPPLIERS, (r) => r.status !== 200, 5_000);
    expect(errorCode(refused)).toBe('TOKEN_REVOKED');
    await waitFor(async () => (await tokens.statusOf('keyboard only')) === 'Revoked');
    await screenshot(page, '7-keyboard-revoked');
  }, 60_000);

  it('7. has no serious or critical accessibility violation on any page', async () => {
    const { page } = app;
    const id = state.integrationId ?? '';
    await app.open(`/integrations/${id}/webhooks`);
    const webhookId = await page
      .getByTestId('webhooks-table')
      .locator('tbody tr')
      .first()
      .getAttribute('data-webhook-id');
    const pages: [string, string, () => Promise<unknown>][] = [
      ['integrations', '/integrations', () => page.getByRole('table').waitFor()],
      ['tokens', `/integrations/${id}/tokens`, () => page.getByTestId('tokens-table').waitFor()],
      ['webhooks', `/integrations/${id}/webhooks`, () => page.getByTestId('webhooks-table').waitFor()],
      [
        'deliveries',
        `/integrations/${id}/webhooks/${webhookId ?? ''}`,
        () => page.getByTestId('deliveries-table').waitFor(),
      ],
      ['sync history', `/integrations/${id}/sync`, () => page.getByTestId('sync-table').waitFor()],
      [
        'settings',
        `/integrations/${id}/settings`,
        () => page.getByRole('button', { name: 'Save changes' }).waitFor(),
      ],
      ['audit log', '/audit-log', () => page.getByRole('table').waitFor()],
      ['not found', '/no/such/page', () => page.getByTestId('not-found').waitFor()],
    ];
    for (const [label, path, ready] of pages) {
      await app.open(path);
      await ready();
      await expectAccessible(label);
    }
    const dialogs: [string, string, string, string][] = [
      ['/integrations', 'New integration', 'New integration', 'new integration dialog'],
      [
        `/integrations/${id}/tokens`,
        'Generate token',
        'Generate a token for SAP ERP production',
        'generate dialog',
      ],
      [`/integrations/${id}/webhooks`, 'Add webhook', 'Add a webhook', 'add webhook dialog'],
      [`/integrations/${id}/tokens`, 'Deactivate', 'Deactivate “SAP ERP production”?', 'deactivate dialog'],
    ];
    for (const [path, button, title, label] of dialogs) {
      await app.open(path);
      await page.getByRole('button', { name: button, exact: true }).click();
      const dialog = page.getByRole('dialog', { name: title });
      await dialog.waitFor();
      await expectAccessible(label);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    }
    await app.open('/audit-log');
    await page.getByRole('table').waitFor();
    expect(await page.getByRole('table').innerText()).toContain('Revoked token');
    await screenshot(page, '7-audit-log');

    // Signing out ends the session at the provider too, and lands on a page that says so.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Yes, sign out' }).click();
    await page.getByRole('heading', { name: 'You have signed out' }).waitFor();
    await expectAccessible('signed out');
    await app.open('/integrations');
    await page.getByRole('heading', { name: 'Sign in to the EUDR console' }).waitFor();
    await expectAccessible('provider sign-in');
  }, 60_000);
});
