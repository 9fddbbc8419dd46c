import fs from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = process.env.SCREENSHOT_DIR;

/** Debian's headless Chromium, and a page that accepts every confirm dialog. */
export async function openBrowser(): Promise<{ browser: Browser; page: Page }> {
	if (!fs.existsSync(CHROMIUM))
		throw new Error(`No Chromium at ${CHROMIUM}: run "apt-get install chromium" (or set CHROMIUM_PATH)`);
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
	});
	const page = await browser.newPage();
	page.on('dialog', (dialog) => void dialog.accept());
	return { browser, page };
}

/** A full-page screenshot into $SCREENSHOT_DIR, when it is set. */
export async function screenshot(page: Page, name: string): Promise<void> {
	if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

export async function signIn(page: Page, url: string, email: string, password: string): Promise<void> {
	await page.goto(`${url}/login`);
	await page.fill('input[name=email]', email);
	await page.fill('input[name=password]', password);
	await page.click('button:has-text("Sign in")');
	await page.waitForURL('**/environments');
}
