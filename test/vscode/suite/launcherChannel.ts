// Talks to the offline launcher (test/vscode/launcher/code-offline.mjs), which owns the browser page:
// the extension host cannot see pixels or the DOM, the launcher can. Protocol: write
// <id>.request.json into CODE_OFFLINE_REQUESTS_DIR (atomically), wait for <id>.response.json.
import * as fs from 'fs';
import * as path from 'path';
import { randomUUID } from 'crypto';
import { waitFor } from './helpers';

export interface ScreenshotRequest {
  name: string;
  /** CSS selectors that must be visible; the response says which were. */
  waitFor?: string[];
  /** Move the mouse to the centre of the first element matching this selector first. */
  mouseOver?: string;
  timeoutMs?: number;
}

export interface ScreenshotResponse {
  file: string;
  found: Record<string, boolean>;
}

export interface QueryResponse {
  texts: string[];
}

type LauncherResponse<T> = ({ ok: true } & T) | { ok: false; error: string };

function requestsDir(): string {
  const dir = process.env.CODE_OFFLINE_REQUESTS_DIR;
  if (!dir) {
    throw new Error(
      'CODE_OFFLINE_REQUESTS_DIR is not set: screenshots and DOM checks need the offline launcher ' +
        '(test/vscode/launcher/code-offline); unset KMOD_VSCODE_EXECUTABLE to use it',
    );
  }
  return dir;
}

async function ask<T>(body: object, timeoutMs: number): Promise<T> {
  const dir = requestsDir();
  const id = randomUUID();
  const tmpFile = path.join(dir, `${id}.request.tmp`);
  fs.writeFileSync(tmpFile, JSON.stringify(body));
  fs.renameSync(tmpFile, path.join(dir, `${id}.request.json`));
  const responseFile = path.join(dir, `${id}.response.json`);
  await waitFor(() => fs.existsSync(responseFile), timeoutMs, `launcher response to ${JSON.stringify(body)}`);
  const response = JSON.parse(fs.readFileSync(responseFile, 'utf8')) as LauncherResponse<T>;
  fs.rmSync(responseFile, { force: true });
  if (!response.ok) throw new Error(`launcher refused ${JSON.stringify(body)}: ${response.error}`);
  return response;
}

export function screenshot(request: ScreenshotRequest): Promise<ScreenshotResponse> {
  return ask<ScreenshotResponse>({ action: 'screenshot', ...request }, (request.timeoutMs ?? 5000) * 4 + 10_000);
}

/** Waits until each selector has a visible match in the workbench page; says which did. */
export async function waitVisible(selectors: string[], timeoutMs = 5000): Promise<Record<string, boolean>> {
  return (
    await ask<{ found: Record<string, boolean> }>({ action: 'wait', waitFor: selectors, timeoutMs }, timeoutMs * selectors.length + 10_000)
  ).found;
}

/** innerText of the visible elements matching `selector` in the workbench page. */
export async function queryTexts(selector: string): Promise<string[]> {
  return (await ask<QueryResponse>({ action: 'query', selector }, 10_000)).texts;
}
