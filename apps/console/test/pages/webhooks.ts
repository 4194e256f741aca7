import type { Locator, Page } from 'playwright-core';

/** An integration's webhooks: adding one, testing, its delivery history. */
export class WebhooksPage {
  constructor(private readonly page: Page) {}

  row(url: string): Locator {
    return this.page
      .getByTestId('webhooks-table')
      .locator('tbody tr')
      .filter({ has: this.page.getByRole('rowheader', { name: url, exact: true }) });
  }

  /** Adds a webhook; answers the signing secret from the dialog, which it then closes. */
  async add(url: string, events: string[]): Promise<string> {
    await this.page
      .getByRole('button', { name: /^Add (webhook|the first webhook)$/ })
      .first()
      .click();
    const dialog = this.page.getByRole('dialog', { name: 'Add a webhook' });
    await dialog.getByLabel('URL', { exact: true }).fill(url);
    for (const event of events) await dialog.getByRole('checkbox', { name: event, exact: true }).check();
    await dialog.getByRole('button', { name: 'Add webhook' }).click();
    const created = this.page.getByRole('dialog', { name: 'Copy the signing secret now' });
    const secret = await created.getByLabel(/^Signing secret for /).inputValue();
    await created.getByRole('button', { name: 'I have copied the secret' }).click();
    await created.waitFor({ state: 'detached' });
    return secret;
  }

  /** Sends a test delivery from the list; answers the outcome's text. */
  async sendTest(url: string): Promise<string> {
    await this.row(url)
      .getByRole('button', { name: `Send test to ${url}` })
      .click();
    const outcome = this.page.getByTestId('test-outcome');
    await outcome.waitFor();
    return outcome.innerText();
  }

  async openDeliveries(url: string): Promise<void> {
    await this.row(url)
      .getByRole('link', { name: `Deliveries of ${url}` })
      .click();
    await this.page.getByRole('heading', { level: 2, name: 'Delivery history' }).waitFor();
  }

  deliveries(): Locator {
    return this.page.getByTestId('deliveries-table').locator('tbody tr');
  }
}
