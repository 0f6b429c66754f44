import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Connection, PublishDiagnosticsParams, TextDocuments } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { AnalysisService, DocumentClosedError } from '../analysis/analysis-service';
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

/** A connection that keeps what is published in `published`; an error logged fails the test. */
function recordingConnection(published: PublishDiagnosticsParams[]): Connection {
  return {
    sendDiagnostics: (params: PublishDiagnosticsParams) => {
      published.push(params);
      return Promise.resolve();
    },
    console: { error: (message: string) => assert.fail(message) },
  } as unknown as Connection;
}
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

  it('settles what schedule returns once the runs it started or joined are over, the re-run for a newer version too', async () => {
    const uri = pathToFileURL(path.join(dir, 'long-line.c')).href;
    const published: PublishDiagnosticsParams[] = [];
    const documents = new Documents();
    const publisher = new DiagnosticsPublisher(
      recordingConnection(published),
      documents as unknown as TextDocuments<TextDocument>,
      service,
    );
    documents.set(uri, 1, LONG_LINE);
    const first = publisher.schedule(uri);
    documents.set(uri, 2, BROKEN);
    const joined = publisher.schedule(uri);
    await Promise.all([first, joined]);
    assert.deepEqual(
      published.map((p) => p.version),
      [2],
      'the run of version 1 found it stale; the re-run published version 2 before either settled',
    );
    publisher.dispose();
  });

  it('never publishes a run begun before a close onto the same version number of the next opening', async () => {
    const uri = pathToFileURL(path.join(dir, 'long-line.c')).href;
    const published: PublishDiagnosticsParams[] = [];
    const connection = recordingConnection(published);
    const documents = new Documents();
    const publisher = new DiagnosticsPublisher(connection, documents as unknown as TextDocuments<TextDocument>, service);

    // First opening: version 1, then version 2 with a line break above f's reference to v.
    documents.set(uri, 1, LONG_LINE);
    void publisher.schedule(uri);
    await until('version 1', () => published.some((p) => p.version === 1), published);
    assert.deepEqual(lines(published.find((p) => p.version === 1)!), [1]);
    documents.set(uri, 2, BROKEN);
    void publisher.schedule(uri);
    // Closed and opened again while version 2 is analyzed; the editor numbers the new opening from 1,
    // so its version 2 is another text (no line break: the finding stays on line 1).
    documents.delete(uri);
    publisher.closed(uri);
    const cleared = published.length;
    documents.set(uri, 1, LONG_LINE);
    publisher.opened(uri);
    documents.set(uri, 2, TYPED);
    void publisher.schedule(uri);

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
    service.opened(uri);
    assert.deepEqual(
      (await service.factsForText(uri, 3, TYPED)).references.map((ref) => ref.line),
      [1],
    );
  });
});

/** A module of two files: `user` in a.c calls `helper` of b.c, a mismatch once helper is `__init`. */
const KBUILD = 'obj-m := m.o\nm-y := a.o b.o\n';
const A = 'int helper(void);\nint user(void)\n{\n\treturn helper();\n}\n';
/** A's line that calls helper. */
const CALL = 3;
const B_PLAIN = 'int helper(void)\n{\n\treturn 0;\n}\n';
const B_INIT = 'int __init helper(void)\n{\n\treturn 0;\n}\n';
/** B_INIT, and a function of B's own that calls helper on its last line. */
const B_INIT_LATE = `${B_INIT}int late(void)\n{\n\treturn helper();\n}\n`;

describe('diagnostics publisher: open files of one module', function () {
  this.timeout(60_000);
  let dir: string;
  let service: AnalysisService;
  let a: string, b: string;
  let published: PublishDiagnosticsParams[];
  let documents: Documents;
  let publisher: DiagnosticsPublisher;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-publisher-module-'));
    fs.writeFileSync(path.join(dir, 'Kbuild'), KBUILD);
    fs.writeFileSync(path.join(dir, 'a.c'), A);
    fs.writeFileSync(path.join(dir, 'b.c'), B_PLAIN);
    a = pathToFileURL(path.join(dir, 'a.c')).href;
    b = pathToFileURL(path.join(dir, 'b.c')).href;
  });
  beforeEach(() => {
    service = new AnalysisService();
    published = [];
    const connection = recordingConnection(published);
    documents = new Documents();
    publisher = new DiagnosticsPublisher(connection, documents as unknown as TextDocuments<TextDocument>, service);
  });
  afterEach(() => {
    publisher.dispose();
    return service.dispose();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const describePublished = (list: PublishDiagnosticsParams[]): string =>
    list.map((p) => `${path.basename(p.uri)} v${p.version}: lines ${lines(p).join(',')}`).join('; ');
  const until = async (what: string, done: () => boolean): Promise<void> => {
    const started = Date.now();
    while (!done()) {
      if (Date.now() - started > 10_000) assert.fail(`no ${what} within 10 s; published: ${describePublished(published)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const lastFor = (uri: string): PublishDiagnosticsParams | undefined => published.filter((p) => p.uri === uri).at(-1);
  /** Opens a.c and b.c (b.c with `textOfB`) and runs both. */
  const openBoth = (textOfB: string): void => {
    documents.set(a, 1, A);
    documents.set(b, 1, textOfB);
    void publisher.schedule(a);
    void publisher.schedule(b);
  };

  it('checks the other open files of a module again when a file with unsaved edits is closed (they get its text on disk)', async () => {
    // b.c is open with helper made __init, never saved: a.c's call is a mismatch.
    openBoth(B_INIT);
    await until('mismatch on a.c', () => lastFor(a)?.version === 1 && lines(lastFor(a)!).includes(CALL));
    // Closed without saving: on disk helper is plain, as a fresh server would see it.
    documents.delete(b);
    publisher.closed(b);
    const closedAt = published.length;
    await until('a.c checked again with b.c from disk', () =>
      published.slice(closedAt).some((p) => p.uri === a && p.version === 1 && lines(p).length === 0),
    );
  });

  it('never publishes the view of a run that read the editor text of a file closed meanwhile', async () => {
    openBoth(B_INIT);
    await until('mismatch on a.c', () => lastFor(a)?.version === 1 && lines(lastFor(a)!).includes(CALL));
    // An edit at file scope, above a few thousand declarations: a.c goes to the worker for a while
    // (a parse of 150 KB), and its run has read b.c's facts before that (in the same turn).
    documents.set(a, 2, `${A}${'static int filler;\n'.repeat(8000)}`);
    void publisher.schedule(a);
    await new Promise((resolve) => setImmediate(resolve));
    documents.delete(b);
    publisher.closed(b);
    await until('a.c v2', () => published.some((p) => p.uri === a && p.version === 2));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ofA = published.filter((p) => p.uri === a && p.version === 2);
    assert.deepEqual(
      ofA.map((p) => lines(p)),
      ofA.map(() => []),
      `a.c v2 is checked with b.c from disk: ${describePublished(published)}`,
    );
  });

  it('takes no editor text of a closed file from a request that read it before the close, and keeps publishing its neighbours', async () => {
    openBoth(B_INIT);
    await until('mismatch on a.c', () => lastFor(a)?.version === 1 && lines(lastFor(a)!).includes(CALL));
    // A hover on b.c read its text, b.c is closed, and then the hover asks for b.c's analysis.
    const textOfHover = documents.get(b)!.getText();
    documents.delete(b);
    publisher.closed(b);
    await assert.rejects(service.analyzeModule(b, 1, textOfHover), DocumentClosedError);
    await assert.rejects(service.analysisToRead(b, 1, textOfHover), DocumentClosedError);
    await assert.rejects(service.factsForText(b, 1, textOfHover), DocumentClosedError);
    // Kept, that text would be b.c's facts in a.c's module, of an editor text no open document has:
    // never current, a.c's run would go round for ever and publish nothing.
    const runs = published.length;
    documents.set(a, 2, `${A}// edited\n`);
    void publisher.schedule(a);
    await until('a.c v2', () => lastFor(a)?.version === 2);
    assert.deepEqual(lines(lastFor(a)!), [], `a.c v2 is checked with b.c from disk: ${describePublished(published.slice(runs))}`);
    // Opened again, b.c's texts are taken again.
    documents.set(b, 1, B_INIT);
    publisher.opened(b);
    await until('b.c of the new opening', () => published.slice(runs).some((p) => p.uri === b && p.version === 1));
    await until('a.c with b.c of the new opening', () => lines(lastFor(a)!).includes(CALL));
  });

  it('runs a document again at most once for a closed neighbour whose facts still look like editor text', async () => {
    openBoth(B_PLAIN);
    await until('both files', () => lastFor(a)?.version === 1 && lastFor(b)?.version === 1);
    documents.delete(b);
    publisher.closed(b);
    // The state the service no longer gets into: b.c's facts say they are an editor text although
    // it is closed. Read from disk again and again, they would never do, and a.c's run would go round.
    // (It says so 1,000 times at most: a publisher that goes round would otherwise starve this test.)
    const editorTextOf = service.editorTextOf.bind(service);
    let asked = 0;
    service.editorTextOf = (facts) => (facts.uri === b && ++asked <= 1000 ? { opening: 0, version: 1 } : editorTextOf(facts));
    const runs = published.length;
    documents.set(a, 2, `${A}// edited\n`);
    void publisher.schedule(a);
    await until('a.c v2', () => published.slice(runs).some((p) => p.uri === a && p.version === 2));
    assert.ok(asked <= 2, `a.c was run again ${asked} times`);
  });

  it("never publishes a neighbour's findings of an older text under its current version", async () => {
    openBoth(B_PLAIN);
    await until('both files', () => lastFor(a)?.version === 1 && lastFor(b)?.version === 1);
    // b.c is edited twice in a row: the second edit arrives while the run of the first goes on, so
    // its own run starts after that one (the publisher coalesces them). a.c is edited meanwhile.
    documents.set(b, 2, B_INIT);
    void publisher.schedule(b);
    documents.set(b, 3, B_INIT_LATE);
    void publisher.schedule(b);
    documents.set(a, 2, `${A}// edited\n`);
    void publisher.schedule(a);
    await until(
      'both files at their last versions',
      () => lastFor(a)?.version === 2 && lastFor(b)?.version === 3 && lines(lastFor(a)!).includes(CALL),
    );
    // Give any run still going the time to publish what it has.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const late = B_INIT_LATE.split('\n').findIndex((line) => line.includes('return helper'));
    const ofB = published.filter((p) => p.uri === b && p.version === 3);
    assert.deepEqual(
      ofB.map((p) => lines(p)),
      ofB.map(() => [late]),
      `b.c v3 always shows its own call of helper: ${describePublished(published)}`,
    );
    const ofA = published.filter((p) => p.uri === a && p.version === 2);
    assert.deepEqual(
      ofA.map((p) => lines(p)),
      ofA.map(() => [CALL]),
      `a.c v2 always sees helper as __init (b.c v3): ${describePublished(published)}`,
    );
  });
});
