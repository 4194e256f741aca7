import type { Locator, Page } from 'playwright-core';

/** The integrations list, the new-integration dialog, and an integration's header. */
export class IntegrationsPage {
  constructor(private readonly page: Page) {}

  rows(): Locator {
    return this.page.getByRole('table', { name: 'Integrations of your organisation' }).locator('tbody tr');
  }

  /** Creates an integration; the console then shows its API tokens. Answers its id (from the address). */
  async create(input: { name: string; description?: string; rateLimit?: number }): Promise<string> {
    await this.page
      .getByRole('button', { name: /New integration|Create your first integration/ })
      .first()
      .click();
    const dialog = this.page.getByRole('dialog', { name: 'New integration' });
    await dialog.getByLabel('Name').fill(input.name);
    if (input.description !== undefined) await dialog.getByLabel('Description').fill(input.description);
    if (input.rateLimit !== undefined) {
      await dialog.getByLabel(/Rate limit/).fill(String(input.rateLimit));
    }
    await dialog.getByRole('button', { name: 'Create integration' }).click();
    await this.page.getByRole('heading', { level: 2, name: 'API tokens' }).waitFor();
    const id = /\/integrations\/(int_[a-z0-9]+)\//.exec(this.page.url())?.[1];
    if (id === undefined) throw new Error(`no integration id in ${this.page.url()}`);
    return id;
  }

  /**
   * Submits the new-integration dialog with a value the API refuses; answers the message shown next to
   * the field, the dialog's whole text, and a way to cancel it.
   */
  async createRefused(input: {
    name: string;
    rateLimit: number;
  }): Promise<{ field: string; dialog: string; cancel: () => Promise<void> }> {
    await this.page
      .getByRole('button', { name: /New integration|Create your first integration/ })
      .first()
      .click();
    const dialog = this.page.getByRole('dialog', { name: 'New integration' });
    await dialog.getByLabel('Name').fill(input.name);
    const rateLimit = dialog.getByLabel(/Rate limit/);
    await rateLimit.fill(String(input.rateLimit));
    await dialog.getByRole('button', { name: 'Create integration' }).click();
    await dialog.locator('.field-error').waitFor();
    expect(await rateLimit.getAttribute('aria-invalid')).toBe('true');
    return {
      field: await dialog.locator('.field-error').innerText(),
      dialog: await dialog.innerText(),
      cancel: async () => {
        await dialog.getByRole('button', { name: 'Cancel' }).click();
        await dialog.waitFor({ state: 'detached' });
      },
    };
  }

  /** Deactivates or reactivates the open integration, confirming; answers the confirmation's text. */
  async setActive(active: boolean): Promise<string> {
    await this.page.getByRole('button', { name: active ? 'Reactivate' : 'Deactivate', exact: true }).click();
    const dialog = this.page.getByRole('dialog', {
      name: new RegExp(`^${active ? 'Reactivate' : 'Deactivate'} “`),
    });
    const text = await dialog.innerText();
    await dialog
      .getByRole('button', { name: active ? 'Reactivate integration' : 'Deactivate integration' })
      .click();
    await dialog.waitFor({ state: 'detached' });
    await this.page
      .getByRole('button', { name: active ? 'Deactivate' : 'Reactivate', exact: true })
      .waitFor();
    return text;
  }
}
