// Test helper: starts the bundled language server (dist/server.js) over stdio and talks to it with a
// real JSON-RPC client, as an editor would.

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { REPO_ROOT } from './paths';
import { SERVER_ENVIRONMENT, SERVER_NODE_OPTIONS } from '../../shared/src/memory';

export { REPO_ROOT };

/**
 * The servers of one test process share a facts cache of their own (never the user's), so later
 * sessions read what earlier ones stored, as a reopened editor does; it is removed at exit.
 */
let testFactsCache: string | undefined;
function factsCacheForTests(): string {
  if (!testFactsCache) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-test-facts-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    testFactsCache = dir;
  }
  return testFactsCache;
}

export interface PublishedDiagnostics {
  uri: string;
  version?: number;
  diagnostics: {
    range: { start: { line: number; character: number }; end: { line: number; character: number } };
    code?: string | number;
    message: string;
    severity?: number;
    source?: string;
    data?: unknown;
  }[];
}

/** Servers started and not yet closed, so a failed or timed-out test cannot leave one running. */
const running = new Set<ChildProcess>();

// Hooks at the root of mocha's suites (this module is loaded with the test files). A test that
// fails or times out never reaches its own close: the servers it started are stopped here (a
// suite's shared server stays for its other tests), and any left at the end of the run, which
// would otherwise keep mocha (and CI) waiting for ever.
if (typeof afterEach === 'function') {
  let startedEarlier = new Set<ChildProcess>();
  beforeEach(() => {
    startedEarlier = new Set(running);
  });
  afterEach(function () {
    if (this.currentTest?.state === 'passed') return;
    for (const child of running) if (!startedEarlier.has(child)) child.kill('SIGKILL');
  });
  after(() => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/** A system root with no kernels installed. */
const NO_KERNELS_ROOT = '/nonexistent/kmod-sysroot';

export class LspSession {
  readonly process: ChildProcess;
  readonly connection: MessageConnection;
  private readonly listeners: ((p: PublishedDiagnostics) => void)[] = [];
  readonly published: PublishedDiagnostics[] = [];
  stderr = '';

  /** `$/progress` values in arrival order (begin/report/end), for the index tests. */
  readonly progress: { kind: string; message?: string; percentage?: number }[] = [];

  /**
   * `server`: another language server to drive (clangd); default: ours, dist/server.js, run as the
   * extension runs it (SERVER_NODE_OPTIONS), with the Node options in KMOD_SERVER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it).
   * `moreEnv`: the server's environment besides this process's (KMOD_SYSROOT).
   */
  constructor(
    private readonly initOptions: Record<string, unknown> = {},
    private readonly workspaceFolders: string[] = [],
    server: { command: string; args: string[] } = {
      command: process.execPath,
      args: [
        ...SERVER_NODE_OPTIONS,
        ...(process.env.KMOD_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean),
        path.join(REPO_ROOT, 'dist', 'server.js'),
        '--stdio',
      ],
    },
    moreEnv: Record<string, string> = {},
  ) {
    // A kernel version without a build dir: analysed without headers, whatever this machine has installed.
    const withoutHeaders = initOptions.kernelVersion !== undefined && initOptions.kernelBuildDir === undefined;
    // Ours runs in the environment the extension gives it.
    const ours = server.args.includes(path.join(REPO_ROOT, 'dist', 'server.js'));
    const env = {
      ...process.env,
      ...(ours ? SERVER_ENVIRONMENT : {}),
      ...(withoutHeaders ? { KMOD_SYSROOT: NO_KERNELS_ROOT } : {}),
      ...moreEnv,
    };
    this.process = spawn(server.command, server.args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    running.add(this.process);
    this.process.once('exit', () => running.delete(this.process));
    this.process.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.connection = createMessageConnection(new StreamMessageReader(this.process.stdout!), new StreamMessageWriter(this.process.stdin!));
    this.connection.onNotification('textDocument/publishDiagnostics', (params: PublishedDiagnostics) => {
      this.published.push(params);
      for (const listener of this.listeners) listener(params);
    });
    this.connection.onRequest('workspace/configuration', () => [{}]);
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    this.connection.onNotification('$/progress', (params: { value: { kind: string; message?: string; percentage?: number } }) => {
      this.progress.push(params.value);
    });
    this.connection.onNotification('window/logMessage', () => undefined);
    this.connection.listen();
  }

  /** `capabilities`: more client capabilities (e.g. `experimental`) besides work-done progress. */
  async initialize(capabilities: Record<string, unknown> = {}): Promise<unknown> {
    const result = await this.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: this.workspaceFolders.map((folder) => ({ uri: pathToFileURL(folder).href, name: path.basename(folder) })),
      capabilities: { window: { workDoneProgress: true }, ...capabilities },
      initializationOptions: { factsCacheDir: factsCacheForTests(), ...this.initOptions },
    });
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  open(uri: string, text: string, version = 1, languageId = 'c'): Promise<void> {
    return this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
  }

  /** The next diagnostics published for `uri` that satisfy `accept` (default: any). */
  diagnostics(uri: string, accept: (p: PublishedDiagnostics) => boolean = () => true, timeoutMs = 10_000): Promise<PublishedDiagnostics> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no diagnostics for ${uri} within ${timeoutMs} ms; stderr: ${this.stderr}`)),
        timeoutMs,
      );
      const listener = (p: PublishedDiagnostics): void => {
        if (p.uri !== uri || !accept(p)) return;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        resolve(p);
      };
      this.listeners.push(listener);
    });
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      await this.connection.sendNotification('exit');
    } catch {
      /* the server may already be gone */
    }
    this.connection.dispose();
    // A moment to exit by itself (a profiled server writes its profile then), then the signal.
    if (this.process.exitCode === null && this.process.signalCode === null)
      await Promise.race([
        new Promise((resolve) => this.process.once('exit', resolve)),
        new Promise((resolve) => setTimeout(resolve, 1000)),
      ]);
    this.process.kill();
  }
}
