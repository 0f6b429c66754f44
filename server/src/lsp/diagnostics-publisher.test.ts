import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Connection, PublishDiagnosticsParams, TextDocuments } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { AnalysisService } from '../analysis/analysis-service';
import { DiagnosticsPublisher } from './diagnostics-publisher';

/** The soak's long line, shorter: `f` reads `__initdata` on the line after it. */
const LONG_LINE = `static int __initdata v[] = { ${'1, '.repeat(10_000)}1 };\nint f(void) { return v[0]; }\n`;
const AT = 1000;
/** A line break typed inside the initializer, with an annotation there (the worker redoes the file). */
const BROKEN = LONG_LINE.slice(0, AT) + '\n__init ' + LONG_LINE.slice(AT);
/** Another version 2: one character typed inside the initializer, no line break. */
const TYPED = LONG_LINE.slice(0, AT) + 'x' + LONG_LINE.slice(AT);

/** Documents as the server's TextDocuments holds them: get and all, no connection. */
class Documents {
  private readonly open = new Map<string, TextDocument>();
  get(uri: string): TextDocument | undefined {
    return this.open.get(uri);
  }
  all(): TextDocument[] {
    return [...this.open.values()];
  }
  set(uri: string, version: number, text: string): void {
    const document = this.open.get(uri);
    this.open.set(uri, document ? TextDocument.update(document, [{ text }], version) : TextDocument.create(uri, 'c', version, text));
  }
  delete(uri: string): void {
    this.open.delete(uri);
  }
}

const lines = (p: PublishDiagnosticsParams): number[] => p.diagnostics.map((d) => d.range.start.line);

describe('diagnostics publisher: document versions', function () {
  this.timeout(60_000);
  let dir: string;
  let service: AnalysisService;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-publisher-'));
    fs.writeFileSync(path.join(dir, 'long-line.c'), LONG_LINE);
  });
  beforeEach(() => {
    service = new AnalysisService();
  });
  afterEach(() => service.dispose());
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const until = async (what: string, done: () => boolean, published: PublishDiagnosticsParams[]): Promise<void> => {
    const started = Date.now();
    while (!done()) {
      if (Date.now() - started > 10_000)
        assert.fail(`no ${what} within 10 s; published: ${published.map((p) => `v${p.version}: lines ${lines(p).join(',')}`).join('; ')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('never publishes a run begun before a close onto the same version number of the next opening', async () => {
    const uri = pathToFileURL(path.join(dir, 'long-line.c')).href;
    const published: PublishDiagnosticsParams[] = [];
    const connection = {
      sendDiagnostics: (params: PublishDiagnosticsParams) => {
        published.push(params);
        return Promise.resolve();
      },
      console: { error: (message: string) => assert.fail(message) },
    } as unknown as Connection;
    const documents = new Documents();
    const publisher = new DiagnosticsPublisher(connection, documents as unknown as TextDocuments<TextDocument>, service);

    // First opening: version 1, then version 2 with a line break above f's reference to v.
    documents.set(uri, 1, LONG_LINE);
    publisher.schedule(uri);
    await until('version 1', () => published.some((p) => p.version === 1), published);
    assert.deepEqual(lines(published.find((p) => p.version === 1)!), [1]);
    documents.set(uri, 2, BROKEN);
    publisher.schedule(uri);
    // Closed and opened again while version 2 is analyzed; the editor numbers the new opening from 1,
    // so its version 2 is another text (no line break: the finding stays on line 1).
    documents.delete(uri);
    publisher.closed(uri);
    const cleared = published.length;
    documents.set(uri, 1, LONG_LINE);
    publisher.schedule(uri);
    documents.set(uri, 2, TYPED);
    publisher.schedule(uri);

    await until(
      'version 2 of the new opening on line 1',
      () => published.slice(cleared).some((p) => p.version === 2 && lines(p)[0] === 1),
      published,
    );
    const afterReopen = published.slice(cleared).filter((p) => p.version !== undefined);
    assert.deepEqual(
      afterReopen.map((p) => `v${p.version}: lines ${lines(p).join(',')}`),
      afterReopen.map((p) => `v${p.version}: lines 1`),
      'every publish after the reopen describes the reopened text',
    );
  });

  it('never stores facts asked for in a closed opening under the next opening', async () => {
    const uri = pathToFileURL(path.join(dir, 'long-line.c')).href;
    const first = service.openingOf(uri);
    assert.deepEqual(
      (await service.factsForText(uri, 2, BROKEN)).references.map((ref) => ref.line),
      [2],
    );
    service.close(uri);
    // A request of the first opening that waited (for the module's files) across the close asks late.
    await service.factsForText(uri, 3, BROKEN, false, first);
    assert.deepEqual(
      (await service.factsForText(uri, 3, TYPED)).references.map((ref) => ref.line),
      [1],
    );
  });
});
