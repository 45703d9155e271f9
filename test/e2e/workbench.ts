/**
 * A code-server workbench with the extension under development, in headless Chromium, for
 * end-to-end scenarios: start it on a folder, drive it, take screenshots, close it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../harness/browser';
import { startCodeServer, type CodeServer } from '../harness/codeServer';
import { cacheDir, repoRoot, resultsDir } from '../harness/paths';

/** User settings for scenarios: no welcome page, no update checks. */
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'window.commandCenter': false,
  'workbench.layoutControl.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'git.enabled': false,
};

/** An open workbench. */
export interface Workbench {
  readonly page: Page;
  readonly server: CodeServer;
  /** Saves a screenshot as test-results/e2e/<scenario>/<nn>-<name>.png; returns its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts code-server with the extension loaded, opens `folder` in Chromium, waits for the workbench. */
export async function openWorkbench(scenario: string, folder: string): Promise<Workbench> {
  const scratch = cacheDir('e2e', scenario);
  fs.rmSync(scratch, { recursive: true, force: true });
  const userData = path.join(scratch, 'user-data');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS));
  const shots = resultsDir('e2e', scenario);
  fs.rmSync(shots, { recursive: true, force: true });
  fs.mkdirSync(shots, { recursive: true });
  const server = await startCodeServer({
    userDataDir: userData,
    extensionsDir: path.join(scratch, 'extensions'),
    scratchDir: path.join(scratch, 'tmp'),
  });
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const dev = `vscode-remote://127.0.0.1:${server.port}${repoRoot()}`;
    await page.goto(server.folderUrl(path.resolve(folder), [['extensionDevelopmentPath', dev]]));
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    // The explorer lists the folder once the remote file system answers.
    await page
      .locator('.explorer-folders-view .monaco-list-row')
      .first()
      .waitFor({ timeout: 60_000 });
    let n = 0;
    const b = browser;
    return {
      page,
      server,
      screenshot: async (name) => {
        const file = path.join(shots, `${String(++n).padStart(2, '0')}-${name}.png`);
        await page.screenshot({ path: file });
        return file;
      },
      close: async () => {
        await b.close();
        await server.stop();
      },
    };
  } catch (err) {
    await browser?.close();
    await server.stop();
    throw err;
  }
}

/**
 * Runs a command from the palette (F1), by the title it has there. Retries while the command is
 * not listed yet (the extension's commands appear once its host has started).
 */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('F1');
    await input.waitFor();
    await input.fill(`>${title}`);
    try {
      await row.waitFor({ timeout: 5000 });
      break;
    } catch (err) {
      await page.keyboard.press('Escape');
      if (attempt >= 8) throw err;
    }
  }
  await page.keyboard.press('Enter');
}
