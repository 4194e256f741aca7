import type { Locator, Page } from 'playwright-core';

/**
 * Moves the focus with Tab (Shift+Tab when `backwards`) until `target` has it, as a keyboard user
 * would; fails after `maxPresses`.
 */
export async function tabTo(page: Page, target: Locator, { backwards = false, maxPresses = 60 } = {}) {
  for (let i = 0; i < maxPresses; i += 1) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`Tab never reached ${target.toString()}`);
}

/** Whether `target` has the focus now. */
export function focused(target: Locator): Promise<boolean> {
  return target.evaluate((el) => el === document.activeElement);
}
