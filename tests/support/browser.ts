import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core';

// Headless Chromium, the browser a customer's phone runs, driven by playwright-core. Debian's
// /usr/bin/chromium (CI installs the `chromium` package); playwright never downloads a browser.

export const CHROMIUM = process.env.LANGO_CHROMIUM ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * A fresh profile (no cache, no cookies), as a phone's captive-portal window gets. Service
 * workers are blocked unless asked for (`serviceWorkers: 'allow'`, the offline tests): a worker
 * answering from its cache would hide requests from page.route and the network log.
 */
export async function newPhone(browser: Browser, options: { locale?: string; ignoreHTTPSErrors?: boolean; serviceWorkers?: 'allow' | 'block' } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    locale: options.locale ?? 'en-GB',
    viewport: { width: 360, height: 640 },
    serviceWorkers: options.serviceWorkers ?? 'block',
    ...(options.ignoreHTTPSErrors && { ignoreHTTPSErrors: true }),
  });
  // Fail well inside vitest's 30 s test timeout, with playwright's message naming what was awaited.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  return { context, page };
}

export interface Transfer {
  url: string;
  status: number;
  /** Decoded body bytes (what the page weighs once unpacked). */
  bodyBytes: number;
  /** Bytes on the wire for the body (gzip when the server compressed it). */
  wireBytes: number;
}

/** Records every response the page receives from URLs starting with `prefix`, with its weight. */
export function recordTransfers(page: Page, prefix: string): { done(): Promise<Transfer[]> } {
  const pending: Array<Promise<Transfer>> = [];
  page.on('response', (response: Response) => {
    if (!response.url().startsWith(prefix)) return;
    pending.push(
      (async () => {
        const body = response.status() >= 300 && response.status() < 400 ? Buffer.alloc(0) : await response.body();
        const sizes = await response.request().sizes();
        return { url: response.url(), status: response.status(), bodyBytes: body.length, wireBytes: sizes.responseBodySize };
      })(),
    );
  });
  return { done: () => Promise.all(pending) };
}

/** Signs in on the staff pages as a person would; waits for the start page (the dashboard, the token form or the password change) unless told not to (an agent lands on the token form, a locked account stays put). */
export async function staffSignIn(page: Page, staffUrl: string, username: string, password: string, options: { waitForHome?: boolean } = {}): Promise<void> {
  await page.goto(`${staffUrl}/sign-in`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (options.waitForHome ?? true) await page.waitForURL((url) => url.href.startsWith(staffUrl) && !url.pathname.endsWith('/sign-in') && url.pathname !== new URL(staffUrl).pathname + '/');
}
