import type { Locator, Page } from 'playwright-core';

export type ExpiryChoice = '30 days' | '90 days' | '365 days' | 'No expiration' | { date: string };

/** An integration's API tokens: the list, its filter, generating and revoking. */
export class TokensPage {
  constructor(private readonly page: Page) {}

  table(): Locator {
    return this.page.getByTestId('tokens-table');
  }

  row(name: string): Locator {
    return this.table()
      .locator('tbody tr')
      .filter({ has: this.page.getByRole('rowheader', { name, exact: true }) });
  }

  async statusOf(name: string): Promise<string> {
    return (await this.row(name).locator('.badge').innerText()).trim();
  }

  /** Shows only tokens in one state ("All", "Active", "Revoked", "Expired"). */
  async filter(label: 'All' | 'Active' | 'Revoked' | 'Expired'): Promise<void> {
    await this.page.getByRole('group', { name: 'Show' }).getByRole('radio', { name: label }).check();
  }

  /** Fills and submits the generate dialog; the created-token dialog is open afterwards. */
  async generate(input: { name: string; scopes: string[]; expiry: ExpiryChoice }): Promise<void> {
    await this.page
      .getByRole('button', { name: /^Generate (token|the first token)$/ })
      .first()
      .click();
    const dialog = this.page.getByRole('dialog', { name: /^Generate a token for / });
    await dialog.getByLabel('Token name').fill(input.name);
    for (const scope of input.scopes) {
      await dialog
        .getByRole('checkbox', { name: new RegExp(scope.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) })
        .check();
    }
    if (typeof input.expiry === 'string') {
      await dialog.getByRole('radio', { name: new RegExp(`^${input.expiry}`) }).check();
    } else {
      await dialog.getByRole('radio', { name: 'On a date' }).check();
      await dialog.getByLabel('Expires at the end of').fill(input.expiry.date);
    }
    await dialog.getByRole('button', { name: 'Generate token' }).click();
  }

  createdDialog(): Locator {
    return this.page.getByRole('dialog', { name: /^Copy the token “/ });
  }

  /** Reads the raw token from the created-token dialog, copies it, and answers both. */
  async readAndCopyToken(): Promise<{ shown: string; clipboard: string; dialogText: string }> {
    const dialog = this.createdDialog();
    const shown = await dialog.getByLabel('Your new API token').inputValue();
    await dialog.getByRole('button', { name: 'Copy' }).click();
    await dialog.getByText('Copied to the clipboard.').waitFor();
    const clipboard = await this.page.evaluate(() => navigator.clipboard.readText());
    return { shown, clipboard, dialogText: await dialog.innerText() };
  }

  async closeCreatedDialog(): Promise<void> {
    await this.createdDialog().getByRole('button', { name: 'I have copied the token' }).click();
    await this.createdDialog().waitFor({ state: 'detached' });
  }

  /** Opens the revoke confirmation of `name`; answers the dialog. */
  async askToRevoke(name: string): Promise<Locator> {
    await this.row(name)
      .getByRole('button', { name: `Revoke token ${name}` })
      .click();
    return this.page.getByRole('dialog', { name: `Revoke token “${name}”?` });
  }
}
