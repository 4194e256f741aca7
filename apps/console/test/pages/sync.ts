import type { Locator, Page } from 'playwright-core';

/** An integration's sync history: the pushes, their filters, the organisation's totals. */
export class SyncPage {
  constructor(private readonly page: Page) {}

  rows(): Locator {
    return this.page.getByTestId('sync-table').locator('tbody tr');
  }

  async refresh(): Promise<void> {
    await this.page.getByRole('button', { name: 'Refresh' }).click();
  }

  async filter(label: 'Entity' | 'Status', option: string): Promise<void> {
    await this.page.getByLabel(label).selectOption({ label: option });
  }

  total(entity: 'suppliers' | 'products' | 'batches'): Locator {
    return this.page.getByTestId(`total-${entity}`);
  }
}
