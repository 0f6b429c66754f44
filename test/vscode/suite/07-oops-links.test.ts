// An Oops line from a real VM run of the buggy hello-3 in a kernel log document
// links to the exit function in hello-3.c, through the built .ko's debug info (the build test
// before this one built it) or the function's definition.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { workspaceUri } from './helpers';

const OOPS = [
  '[    2.805601] PGD 2a15067 P4D 2a15067 PUD 2a17067 PMD 61e9067 PTE 0',
  '[    2.806629] Oops: 0000 [#1] PREEMPT SMP NOPTI',
  '[    2.807902] RIP: 0010:hello_3_exit+0x0/0x1000 [hello_3]',
  '[    2.809304] Call Trace:',
  '[    2.810156]  __do_sys_delete_module+0x1b9/0x330',
].join('\n');

describe('oops links', () => {
  it('RIP: 0010:hello_3_exit+0x0/0x1000 [hello_3] links to the exit function in hello-3.c', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'kernel-log', content: OOPS });
    const links = await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', document.uri, 10);
    assert.strictEqual(links.length, 1, `links: ${JSON.stringify(links)}`);
    assert.strictEqual(links[0].range.start.line, 2);
    assert.strictEqual(document.getText(links[0].range), 'hello_3_exit+0x0/0x1000 [hello_3]');
    const target = links[0].target;
    assert.ok(target, 'the link resolves to a source location');
    const source = workspaceUri('hello-3', 'hello-3.c');
    assert.strictEqual(target.fsPath, source.fsPath);
    const line = Number(/^L(\d+)/.exec(target.fragment)?.[1]);
    const lines = fs.readFileSync(source.fsPath, 'utf8').split('\n');
    const first = lines.findIndex((l) => l.includes('static void __exit hello_3_exit(void)')) + 1;
    const last = first + lines.slice(first).findIndex((l) => l.startsWith('}')) + 1;
    assert.ok(line >= first && line <= last, `line ${line} is outside hello_3_exit (${first}-${last})`);
  });
});
