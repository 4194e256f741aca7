import type { Locator, Page } from 'playwright-core';
import { SignInPage } from './sign-in';

/** The console as a whole: opening a page (signing in on the way), the header, the main heading. */
export class ConsoleApp {
  constructor(
    readonly page: Page,
    readonly baseUrl: string,
  ) {}

  /** Opens `path` under the console; when the provider's sign-in shows, signs in as `email`. */
  async open(path: string, email?: string): Promise<void> {
    await this.page.goto(`${this.baseUrl}${path}`);
    if (email !== undefined) {
      await new SignInPage(this.page).signIn(email);
      await this.page.waitForURL(
        (url) => url.href.startsWith(this.baseUrl) && !url.pathname.endsWith('/callback'),
      );
    }
  }

  heading(): Locator {
    return this.page.getByRole('heading', { level: 1 });
  }

  async goToIntegrations(): Promise<void> {
    await this.page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Integrations' })
      .click();
    await this.page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor();
  }

  async goToAuditLog(): Promise<void> {
    await this.page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Audit log' })
      .click();
    await this.page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
  }

  /** The tabs of an integration: "API tokens", "Webhooks", "Sync history", "Settings". */
  async openTab(name: string): Promise<void> {
    await this.page
      .getByRole('navigation', { name: 'Integration sections' })
      .getByRole('link', { name })
      .click();
    await this.page
      .getByRole('heading', { level: 2, name: name === 'API tokens' ? 'API tokens' : name })
      .waitFor();
  }
}
