import type { Page } from 'playwright-core';
import { DEV_SIGN_INS } from '@eudr/testkit';

/** The development provider's sign-in page. */
export class SignInPage {
  constructor(private readonly page: Page) {}

  async signIn(email: string, password: string = DEV_SIGN_INS.password): Promise<void> {
    await this.page.getByRole('heading', { name: 'Sign in to the EUDR console' }).waitFor();
    await this.page.getByLabel('Email').fill(email);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }
}
