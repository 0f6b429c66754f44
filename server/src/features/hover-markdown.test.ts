import * as assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { MACRO_DOCS, type MacroDoc } from '../knowledge/macro-docs';
import { ANNOTATION_CONFIG, DEBIAN_CONFIG, optionsAffecting } from '../knowledge/kernel-config';
import { codeSpan, escapeProse, fileLink, renderConfiguration, renderMacroDoc, renderMacroDocPage, type MacroHoverContext } from './hover';

// VS Code renders hovers with a CommonMark renderer and drops raw HTML: render with HTML on, as
// it parses, and read back the text a user sees.
interface MarkdownRenderer {
  render(source: string): string;
}
const MarkdownIt = createRequire(__filename)('markdown-it') as new (options: { html: boolean }) => MarkdownRenderer;
const markdown = new MarkdownIt({ html: true });
// VS Code's hovers open file: links (and the command: links an extension trusts); markdown-it would refuse them.
(markdown as MarkdownRenderer & { validateLink: (url: string) => boolean }).validateLink = () => true;

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'" };

/** The text a reader sees: HTML tags (and raw HTML the source let through) gone, entities decoded. */
function visible(source: string): string {
  return markdown
    .render(source)
    .replace(/<\/?(?:p|li|ul|ol|h\d|hr|pre|blockquote|br)\b[^>]*>/g, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(?:lt|gt|amp|quot|#39);/g, (entity) => ENTITIES[entity])
    .replace(/\s+/g, ' ')
    .trim();
}

/** What an author's text should read as: code spans without their fences, bold without its stars. */
function meant(text: string): string {
  return text
    .replace(/(`+)(.*?)\1/g, (_all, _fence: string, code: string) => code.replace(/^ (.*) $/, '$1'))
    .replace(/\*\*/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const proseOf = (doc: MacroDoc): string[] => [
  doc.summary,
  doc.details,
  doc.lifetime ?? '',
  doc.builtinVsModule ?? '',
  doc.versionNotes ?? '',
  doc.section ?? '',
  ...(doc.mistakes ?? []),
];

const CONTEXT: MacroHoverContext = { kernel: { version: [6, 1], config: DEBIAN_CONFIG }, kernelLabel: '6.1' };

describe('hover Markdown renders literally', () => {
  it(`shows every one of the ${MACRO_DOCS.length} macro entries as written: signature, summary and the whole text`, () => {
    const failures: string[] = [];
    for (const doc of MACRO_DOCS) {
      const shown = visible(renderMacroDoc(doc, CONTEXT));
      const page = visible(renderMacroDocPage(doc, CONTEXT));
      for (const text of [doc.signature ?? doc.name, ...proseOf(doc)].filter(Boolean)) {
        const expected = text === (doc.signature ?? doc.name) ? text : meant(text);
        if (!shown.includes(expected)) failures.push(`${doc.name} hover: ${expected}`);
        if (!page.includes(expected)) failures.push(`${doc.name} page: ${expected}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('shows the configuration notes of every annotation as written', () => {
    let checked = 0;
    for (const doc of MACRO_DOCS) {
      const options = optionsAffecting(doc.name);
      if (options.length === 0) continue;
      const shown = visible(renderConfiguration(doc.name, DEBIAN_CONFIG, '/lib/modules/x_y/build/include/config/auto.conf') ?? '');
      assert.ok(shown.includes('/lib/modules/x_y/build/include/config/auto.conf'), shown);
      for (const option of options) assert.ok(shown.includes(meant(ANNOTATION_CONFIG[option].effect)), `${doc.name}: ${shown}`);
      checked++;
    }
    assert.ok(checked > 0);
  });

  it('keeps the hover short when the client opens the rest: headline, summary, a More link', () => {
    const sizes: number[] = [];
    for (const doc of MACRO_DOCS) {
      const source = renderMacroDoc(doc, { ...CONTEXT, moreCommand: true });
      const shown = visible(source);
      assert.ok(shown.startsWith(doc.signature ?? doc.name), `${doc.name}: ${shown}`);
      assert.ok(shown.includes(meant(doc.summary)), `${doc.name} lacks its summary`);
      const link = /\]\(command:kmod\.showMacroDoc\?([^ )]+)/.exec(source);
      assert.ok(link, `${doc.name}: no More link`);
      assert.deepEqual(JSON.parse(decodeURIComponent(link[1])), [doc.name]);
      sizes.push(shown.length);
    }
    // A few lines, not a manual page (the whole text was 1,500–2,500 characters).
    assert.ok(Math.max(...sizes) < 700, `longest short hover: ${Math.max(...sizes)} characters`);
  });

  it('puts the definition from the headers right under the headline', () => {
    const doc = MACRO_DOCS.find((d) => d.name === '__initdata')!;
    const definition =
      'Defined in [include/linux/init.h:53](file:///k/include/linux/init.h#L53):\n\n```c\n#define __initdata __section(".init.data")\n```';
    const lines = renderMacroDoc(doc, { ...CONTEXT, moreCommand: true }, definition).split('\n');
    assert.match(
      lines[0],
      /^`__initdata` — kernel annotation · section `\.init\.data` · freed right after the module init function returns/,
    );
    assert.equal(lines[2], 'Defined in [include/linux/init.h:53](file:///k/include/linux/init.h#L53):');
    assert.equal(lines[5], '#define __initdata __section(".init.data")');
  });

  it('escapes what Markdown would eat, keeps code spans and bold, and makes links of any path', () => {
    for (const text of [
      '<email>',
      '__init__ and *x*',
      '[not a link](x)',
      'a | b # c & d',
      'x\\y',
      'ok `a<b>` **and** `` `tick` ``',
      'half `open',
    ]) {
      assert.equal(visible(escapeProse(text)), meant(text), text);
    }
    assert.equal(visible(codeSpan('printk(KERN_<LEVEL> "fmt", ...)')), 'printk(KERN_<LEVEL> "fmt", ...)');
    assert.equal(visible(codeSpan('a `b` c')), 'a `b` c');
    const html = markdown.render(fileLink('dir (copy)/m_x.c:3', 'file:///tmp/dir%20(copy)/m_x.c', 3));
    assert.match(html, /<a href="file:\/\/\/tmp\/dir%20%28copy%29\/m_x\.c#L3">dir \(copy\)\/m_x\.c:3<\/a>/);
  });
});
