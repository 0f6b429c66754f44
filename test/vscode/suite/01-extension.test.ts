// The extension must be present and activate. A too-high engines.vscode makes VS Code skip it silently;
// this test turns that into a clear failure instead of later time-outs.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { EXTENSION_ID } from './helpers';

describe('extension', () => {
  it(`${EXTENSION_ID} is present and activates`, async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded in VS Code ${vscode.version} (check engines.vscode and "main")`);
    await extension.activate();
    assert.strictEqual(extension.isActive, true);
  });
});
