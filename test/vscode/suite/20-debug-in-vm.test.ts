// Debug Module in VM in real VS Code: breakpoints set in the editor on the seed's hello-3.c, the
// session started with the command (what F5 and the code lens run), a breakpoint in hello_3_init hits
// on load, Unload (the debug toolbar's button) stops on line 22 in hello_3_exit, hello3_data is
// reported unreadable, and stopping the session leaves no qemu, gdb or temp dir behind. Real kbuild,
// Debian's kernel in real qemu (TCG here), real gdb.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { openInEditor, waitFor, workspaceUri } from './helpers';
import { queryTexts, screenshot } from './launcherChannel';

const DEBUG_TYPE = 'kmod-vm';
const STOP_TIMEOUT_MS = 90_000;

interface Observed {
  stops: { reason: string; at: number }[];
  output: string[];
}

/** Processes whose command line mentions `text`. */
function processesMentioning(text: string): string[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((pid) => {
      try {
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return cmdline.includes(text) ? [`${pid}: ${cmdline}`] : [];
      } catch {
        return [];
      }
    });
}

describe('Debug Module in VM (kmod-vm)', function () {
  this.timeout(240_000);
  const observed: Observed = { stops: [], output: [] };
  const disposables: vscode.Disposable[] = [];

  before(() => {
    disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
        createDebugAdapterTracker: () => ({
          onDidSendMessage: (message: { type?: string; event?: string; body?: { reason?: string; output?: string } }) => {
            if (message.type !== 'event') return;
            if (message.event === 'stopped') observed.stops.push({ reason: message.body?.reason ?? '', at: Date.now() });
            if (message.event === 'output' && message.body?.output) observed.output.push(message.body.output);
          },
        }),
      }),
    );
  });
  after(async () => {
    disposables.forEach((d) => d.dispose());
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    if (vscode.debug.activeDebugSession) await vscode.debug.stopDebugging();
  });

  const adapterSaid = () => observed.output.join('').slice(-2000);

  async function topFrame(session: vscode.DebugSession) {
    const trace = (await session.customRequest('stackTrace', { threadId: 1 })) as {
      stackFrames: { id: number; name: string; line: number; source?: { path?: string } }[];
    };
    return trace.stackFrames[0];
  }

  it('stops in hello_3_init on load and on line 22 of hello_3_exit on Unload, where hello3_data is unreadable', async () => {
    const uri = workspaceUri('hello-3', 'hello-3.c');
    const editor = await openInEditor(uri);
    const lineOf = (text: string) =>
      editor.document
        .getText()
        .split('\n')
        .findIndex((line) => line.includes(text));
    const initLine = lineOf('Hello, world');
    const exitLine = lineOf('Goodbye, world');
    assert.strictEqual(exitLine, 21, 'line 22 (0-based 21) is the printk in hello_3_exit');
    vscode.debug.addBreakpoints([
      new vscode.SourceBreakpoint(new vscode.Location(uri, new vscode.Position(initLine, 0))),
      new vscode.SourceBreakpoint(new vscode.Location(uri, new vscode.Position(exitLine, 0))),
    ]);

    const started = Date.now();
    const sessionStarted = new Promise<vscode.DebugSession>((resolve) => {
      const listener = vscode.debug.onDidStartDebugSession((session) => {
        if (session.type !== DEBUG_TYPE) return;
        listener.dispose();
        resolve(session);
      });
    });
    // F5 with hello-3.c active and no launch.json: the kmod-vm configuration is made up on the spot.
    assert.strictEqual(fs.existsSync(path.join(workspaceUri().fsPath, '.vscode', 'launch.json')), false);
    await vscode.commands.executeCommand('workbench.action.debug.start');
    const session = await sessionStarted;
    let shot: { file: string };
    assert.strictEqual(session.configuration.moduleDir, path.dirname(uri.fsPath));

    await waitFor(
      () => observed.stops.length >= 1,
      STOP_TIMEOUT_MS,
      () => `a stop in hello_3_init; the adapter said: ${adapterSaid()}`,
      100,
    );
    const firstStopMs = observed.stops[0].at - started;
    let frame = await topFrame(session);
    assert.strictEqual(frame.name, 'hello_3_init');
    assert.strictEqual(frame.line, initLine + 1);
    // As a user does: Continue once the editor shows the stop (the tracker sees it first).
    await waitFor(
      () => vscode.debug.activeStackItem instanceof vscode.DebugStackFrame && vscode.debug.activeStackItem.session.id === session.id,
      10_000,
      'the editor showing the stop in hello_3_init',
    );
    await vscode.commands.executeCommand('workbench.action.debug.continue');
    await waitFor(
      () => observed.output.join('').includes('Loaded hello_3.'),
      30_000,
      () => `the module loaded; stops: ${JSON.stringify(observed.stops)}; the adapter said: ${adapterSaid()}`,
      100,
    );

    // The VM's console is a terminal in the editor; what the user types runs in the guest's shell.
    const consoleTerminal = await waitFor(
      () => vscode.window.terminals.find((terminal) => terminal.name.startsWith('VM console')),
      10_000,
      'the VM console terminal',
    );
    const terminalConfig = vscode.workspace.getConfiguration('terminal.integrated');
    await terminalConfig.update('gpuAcceleration', 'off', vscode.ConfigurationTarget.Global); // DOM rows the test can read
    consoleTerminal.show();
    consoleTerminal.sendText('echo guest-says-$((6*7)); cut -d" " -f1,5 /proc/modules');
    const rows = await waitFor(
      async () => {
        const text = (await queryTexts('.terminal .xterm-rows')).join('\n');
        return /guest-says-42/.test(text) && /hello_3 Live/.test(text) && text;
      },
      20_000,
      'the guest shell answering in the VM console terminal',
      250,
    );
    assert.match(rows, /vm:\/# /);
    shot = await screenshot({ name: 'debug-in-vm-console', waitFor: ['.terminal .xterm-rows'], timeoutMs: 8000 });
    console.log(`    screenshot: ${shot.file}`);
    await terminalConfig.update('gpuAcceleration', undefined, vscode.ConfigurationTarget.Global);

    const unloadAt = Date.now();
    await vscode.commands.executeCommand('kmod.vm.unloadModule');
    await waitFor(
      () => observed.stops.length >= 2,
      30_000,
      () => `a stop in hello_3_exit after Unload; the adapter said: ${adapterSaid()}`,
      20,
    );
    const rmmodToStopMs = observed.stops[1].at - unloadAt;
    assert.strictEqual(observed.stops[1].reason, 'breakpoint');
    frame = await topFrame(session);
    assert.strictEqual(frame.name, 'hello_3_exit');
    assert.strictEqual(frame.line, 22);
    // In the browser workbench the path comes back as a vscode-remote: URI of the same file.
    const framePath = frame.source?.path ?? '';
    assert.strictEqual(/^[a-z-]+:\/\//.test(framePath) ? vscode.Uri.parse(framePath).path : framePath, uri.fsPath);
    // The editor shows the stop: hello-3.c active with the cursor on line 22.
    await waitFor(
      () =>
        vscode.window.activeTextEditor?.document.uri.fsPath === uri.fsPath && vscode.window.activeTextEditor.selection.active.line === 21,
      10_000,
      'the editor on line 22',
    );
    await assert.rejects(
      Promise.resolve(session.customRequest('evaluate', { expression: 'hello3_data', frameId: frame.id, context: 'watch' })),
      /Cannot access memory at address 0x[0-9a-f]+: hello3_data is in \.init\.data/,
    );
    shot = await screenshot({ name: 'debug-in-vm-stopped-line-22', waitFor: ['.debug-toolbar'], timeoutMs: 8000 });
    console.log(`    screenshot: ${shot.file}`);

    // Continue: the read of freed init memory oopses, and the debugger stops on the faulting line.
    await vscode.commands.executeCommand('workbench.action.debug.continue');
    await waitFor(
      () => observed.stops.length >= 3,
      30_000,
      () => `a stop at the oops; the adapter said: ${adapterSaid()}`,
      50,
    );
    frame = await topFrame(session);
    if (observed.stops[2].reason === 'breakpoint' && frame.name === 'hello_3_exit' && frame.line === 22) {
      // Under TCG a step off this breakpoint once left the guest on it (the adapter checks and
      // steps again): should it still happen, say so, with what the adapter said, and go on.
      console.log(`    the breakpoint on line 22 reported twice; the adapter said: ${observed.output.join('').slice(-1500)}`);
      observed.stops.splice(2, 1);
      await vscode.commands.executeCommand('workbench.action.debug.continue');
      await waitFor(
        () => observed.stops.length >= 3,
        30_000,
        () => `a stop at the oops; the adapter said: ${adapterSaid()}`,
        50,
      );
      frame = await topFrame(session);
    }
    assert.strictEqual(
      observed.stops[2].reason,
      'exception',
      `stopped at ${frame.name}:${frame.line}; the adapter said: ${observed.output.join('').slice(-3000)}`,
    );
    assert.strictEqual(frame.line, 22);
    const info = (await session.customRequest('exceptionInfo', { threadId: 1 })) as { exceptionId: string; description: string };
    assert.strictEqual(info.exceptionId, 'Oops');
    assert.match(info.description, /unable to handle page fault for address: ffffffffc0/);
    shot = await screenshot({ name: 'debug-in-vm-oops', waitFor: ['.zone-widget.exception-widget'], timeoutMs: 8000 });
    console.log(`    screenshot: ${shot.file}`);
    console.log(`    F5 → first stop (build, boot, load): ${firstStopMs} ms; Unload → breakpoint: ${rmmodToStopMs} ms`);

    // The temp dir and qemu of this session, then Stop: nothing may be left.
    const vmLines = processesMentioning('kmod-vmdebug-').filter((line) => line.includes('qemu-system'));
    const workDir = /(\/\S*kmod-vmdebug-[^/\s]+)/.exec(vmLines[0] ?? '')?.[1];
    assert.ok(workDir, `the session's qemu is running: ${vmLines.join('\n')}`);
    const ended = new Promise<void>((resolve) => {
      const listener = vscode.debug.onDidTerminateDebugSession((s) => {
        if (s.id !== session.id) return;
        listener.dispose();
        resolve();
      });
    });
    await vscode.debug.stopDebugging(session);
    await ended;
    await waitFor(
      () => processesMentioning(workDir).length === 0,
      10_000,
      `no process of ${workDir} left: ${processesMentioning(workDir).join('\n')}`,
      100,
    );
    assert.strictEqual(fs.existsSync(workDir), false, `${workDir} is removed`);
  });
});
