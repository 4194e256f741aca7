// The console's access policies in Debian's Chromium against a real stack (auth-service,
// suppliers-service, the edge serving the console, the development OpenID provider): an integration's
// IP allowlist built from the addresses its token was used from, and the organisation's token policy
// with its review of the tokens it blocks. The tests run in order, as an admin would.
import { call, DEV_SIGN_INS, startStack, waitFor } from '@eudr/testkit';
import type { HttpResult, Stack } from '@eudr/testkit';
import { launchBrowser, screenshot, seriousViolations } from './browser';
import type { TestBrowser } from './browser';
import { ConsoleApp } from './pages/console';
import { IntegrationsPage } from './pages/integrations';
import { TokensPage } from './pages/tokens';

const SUPPLIERS = '/api/v1/integration/suppliers';

let stack: Stack;
let browser: TestBrowser;
let app: ConsoleApp;
const state: { token: string } = { token: '' };

beforeAll(async () => {
  stack = await startStack('console-access', { console: true, apps: { 'suppliers-service': {} } });
  browser = await launchBrowser(new URL(stack.edge.url).origin);
  app = new ConsoleApp(browser.page, stack.consoleUrl ?? '');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** Polls the Integration API through the edge (client address 127.0.0.1) until `accept` holds. */
function answerOf(accept: (r: HttpResult) => boolean) {
  return waitFor(
    async () => {
      const result = await call(stack.edge.url, SUPPLIERS, { token: state.token });
      return accept(result) ? result : null;
    },
    { timeoutMs: 10_000, intervalMs: 20, message: `${SUPPLIERS} to answer as expected` },
  );
}

const refusedWith = (code: string) => (r: HttpResult) => r.status === 403 && r.body?.['error'] === code;

async function expectAccessible(label: string): Promise<void> {
  const problems = await seriousViolations(browser.page);
  expect({ page: label, problems }).toEqual({ page: label, problems: [] });
}

describe('access policies in the console', () => {
  it('1. shows the addresses a token was used from and switches on an allowlist built from them', async () => {
    const page = app.page;
    await app.open('/', DEV_SIGN_INS.adminA.email);
    await page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor();
    await new IntegrationsPage(page).create({ name: 'SAP fixed egress' });
    const tokens = new TokensPage(page);
    await tokens.generate({ name: 'erp', scopes: ['integration:suppliers:read'], expiry: '30 days' });
    state.token = (await tokens.readAndCopyToken()).shown;
    await tokens.closeCreatedDialog();
    await answerOf((r) => r.status === 200);

    await app.openTab('IP allowlist');
    expect(await page.locator('section[aria-labelledby="access-title"] .lead').innerText()).toContain(
      'Its tokens work from any address.',
    );
    // The use through the edge is reported within seconds: 127.0.0.1, as the edge saw this client.
    const seen = page.getByRole('table', { name: 'Addresses its tokens were used from' });
    await waitFor(
      async () => {
        if ((await seen.count()) > 0 && (await seen.innerText()).includes('127.0.0.1')) return true;
        await page.reload();
        await page.getByRole('heading', { level: 2, name: 'IP allowlist' }).waitFor();
        return false;
      },
      { timeoutMs: 30_000, intervalMs: 1_000, message: 'the address of the token to show' },
    );
    expect(await seen.innerText()).toContain('erp');

    // A bad entry is refused, named as the admin wrote it.
    const box = page.getByLabel('Allowed addresses and ranges');
    await box.fill('203.0.113.0/24\nnot-an-address');
    await page.getByRole('button', { name: 'Save allowlist' }).click();
    await page
      .getByRole('dialog', { name: 'Save the IP allowlist?' })
      .getByRole('button', { name: 'Save allowlist' })
      .click();
    const refusal = page.locator('.field-error');
    await refusal.waitFor();
    expect(await refusal.innerText()).toContain('“not-an-address” must be an IPv4 or IPv6 address');
    expect(await box.getAttribute('aria-invalid')).toBe('true');
    await page.getByRole('button', { name: 'Cancel' }).click();

    // A list without this client's address: the token is refused through the edge.
    await box.fill('203.0.113.9/24');
    await page.getByRole('button', { name: 'Save allowlist' }).click();
    const confirm = page.getByRole('dialog', { name: 'Save the IP allowlist?' });
    expect(await confirm.innerText()).toContain('403 IP_NOT_ALLOWED');
    await confirm.getByRole('button', { name: 'Save allowlist' }).click();
    await page.getByText('Saved. Every service applies the list within about a second.').waitFor();
    expect(await box.inputValue()).toBe('203.0.113.0/24');
    await answerOf(refusedWith('IP_NOT_ALLOWED'));
    expect(await page.locator('section[aria-labelledby="access-title"] .lead').innerText()).toContain(
      'Its tokens work only from the 1 entry below',
    );
    await expectAccessible('IP allowlist');
    await screenshot(page, 'access-1-allowlist-refusing');

    // Adding the address it was used from, from the table, lets it in again.
    await page.getByRole('button', { name: 'Add to list: 127.0.0.1' }).click();
    expect(await box.inputValue()).toBe('203.0.113.0/24\n127.0.0.1');
    await page.getByRole('button', { name: 'Save allowlist' }).click();
    await page
      .getByRole('dialog', { name: 'Save the IP allowlist?' })
      .getByRole('button', { name: 'Save allowlist' })
      .click();
    await page.getByText('Saved. Every service applies the list within about a second.').waitFor();
    await answerOf((r) => r.status === 200);
    await seen.getByText('Listed').waitFor();
    await screenshot(page, 'access-2-allowlist-with-seen-address');

    // Per token: the addresses it was used and refused from (refusals are reported like uses).
    await app.openTab('API tokens');
    const dialog = page.getByRole('dialog', { name: 'Addresses of token “erp”' });
    await waitFor(
      async () => {
        await page.getByRole('button', { name: 'Addresses of token erp' }).click();
        await dialog.getByText('127.0.0.1').waitFor();
        if ((await dialog.innerText()).includes('IP_NOT_ALLOWED')) return true;
        await dialog.getByRole('button', { name: 'Close' }).click();
        return false;
      },
      { timeoutMs: 30_000, intervalMs: 1_000, message: "the token's refusal to show" },
    );
    await expectAccessible('token addresses');
    await screenshot(page, 'access-3-token-addresses');
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('2. reviews the tokens a stricter policy blocks, saves it (the token is refused), and offers its default', async () => {
    const page = app.page;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Token policy' }).click();
    await page.getByRole('heading', { level: 1, name: 'Token policy' }).waitFor();
    await page.getByText('No policy set yet: tokens may live for ever.').waitFor();
    await expectAccessible('token policy');

    // A default above the maximum is refused next to its field.
    await page.getByLabel('Maximum token lifetime (days)').fill('7');
    await page.getByLabel('Default lifetime of a new token (days)').fill('10');
    await page.getByRole('button', { name: 'Review and save' }).click();
    const fieldProblem = page.locator('.field-error');
    await fieldProblem.waitFor();
    expect(await fieldProblem.innerText()).toContain('must not exceed maxTokenLifetimeDays (7)');

    await page.getByLabel('Default lifetime of a new token (days)').fill('7');
    expect(await page.getByLabel('Every token must have an expiry date').isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Review and save' }).click();
    const review = page.getByRole('dialog', { name: 'Save the token policy?' });
    expect(await review.innerText()).toContain('1 live token breaks this policy');
    expect(await review.getByRole('table', { name: 'Tokens this policy blocks' }).innerText()).toContain(
      'erp',
    );
    await screenshot(page, 'access-4-policy-review');
    // Nothing changed yet: the review is a dry run.
    expect((await call(stack.edge.url, SUPPLIERS, { token: state.token })).status).toBe(200);
    await review.getByRole('button', { name: 'Save policy' }).click();
    await page
      .getByText(/Saved\. Every service applies it within about a second; 1 live token is now refused\./)
      .waitFor();
    const refused = await answerOf(refusedWith('TOKEN_POLICY_VIOLATION'));
    expect(refused.body?.['message']).toContain('at most 7 days (this token: 30 days)');
    await screenshot(page, 'access-5-policy-saved');

    // Generating a token now offers the policy's default first, and nothing it forbids.
    await app.goToIntegrations();
    await page.getByRole('link', { name: 'SAP fixed egress' }).click();
    await page.getByRole('heading', { level: 2, name: 'API tokens' }).waitFor();
    await page
      .getByRole('button', { name: /^Generate (token|the first token)$/ })
      .first()
      .click();
    const dialog = page.getByRole('dialog', { name: /^Generate a token for / });
    await dialog.getByText("Your organisation's token policy allows at most 7 days.").waitFor();
    await dialog.getByRole('radio', { name: /^7 days, the default/ }).waitFor();
    expect(await dialog.getByRole('radio', { name: /^7 days, the default/ }).isChecked()).toBe(true);
    expect(await dialog.getByRole('radio', { name: /^30 days/ }).isDisabled()).toBe(true);
    expect(await dialog.getByRole('radio', { name: 'No expiration' }).isDisabled()).toBe(true);
    await expectAccessible('generate token under a policy');
    await screenshot(page, 'access-6-generate-under-policy');
    await dialog.getByLabel('Token name').fill('weekly');
    await dialog.getByRole('checkbox', { name: /integration:suppliers:read/ }).check();
    await dialog.getByRole('button', { name: 'Generate token' }).click();
    const created = (await new TokensPage(page).readAndCopyToken()).shown;
    await new TokensPage(page).closeCreatedDialog();
    expect(await new TokensPage(page).row('weekly').innerText()).toMatch(/Expires in 7 days/);
    const weekly = await waitFor(
      async () => {
        const result = await call(stack.edge.url, SUPPLIERS, { token: created });
        return result.status === 200 ? result : null;
      },
      { timeoutMs: 10_000, message: 'the compliant token to work' },
    );
    expect(weekly.status).toBe(200);

    // Both changes are in the audit log, in words.
    await app.goToAuditLog();
    const log = page.locator('table.list tbody');
    await log.getByText('Changed token policy').waitFor();
    expect(await log.innerText()).toContain('maximum lifetime (days): none → 7');
    expect(await log.innerText()).toContain('IP allowlist: 203.0.113.0/24 → 203.0.113.0/24, 127.0.0.1');
    await expectAccessible('audit log with access policy changes');
  });
});
