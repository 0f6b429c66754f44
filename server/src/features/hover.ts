// Hovers: kernel macros (our knowledge table plus the real definition from the configured headers),
// module symbols (inferred section, lifetime, who references them and which of those mismatch), and
// other kernel identifiers (their header definition).

import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { SECTION_CLASSES, sectionClass } from '../knowledge/sections';
import { annotationSection, OBJECT_ANNOTATIONS, type AnnotationContext } from '../knowledge/annotations';
import { ANNOTATION_CONFIG, optionsAffecting, type ConfigValues } from '../knowledge/kernel-config';
import { lookupMacroDoc, type MacroDoc } from '../knowledge/macro-docs';
import { symbolsOf, type AnalysisService } from '../analysis/analysis-service';
import type { KernelLinkTables } from '../engine/link-checks';
import type { HeaderIndex, HeaderLocation } from './header-index';
import { wordAt } from './text-at';
import { SHOW_MACRO_DOC_COMMAND } from '../../../shared/src/lsp-extensions';

/** Markdown that shows `text` exactly: a code span whose fence is longer than any run of backticks in it. */
export function codeSpan(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * Prose as written, for Markdown: its `code spans` and **bold** stay, everything else shows
 * literally (`<email>` is no HTML tag, `__init__` no emphasis, `[x]` no link).
 */
export function escapeProse(text: string): string {
  let out = '';
  for (let i = 0; i < text.length;) {
    const run = /^`+/.exec(text.slice(i, i + 64))?.[0];
    if (run) {
      // A code span ends at the next run of exactly as many backticks.
      const close = new RegExp(`(?<!\`)${run}(?!\`)`, 'g');
      close.lastIndex = i + run.length;
      const end = close.exec(text);
      if (end) {
        out += text.slice(i, end.index + run.length);
        i = end.index + run.length;
        continue;
      }
      out += '\\`'.repeat(run.length);
      i += run.length;
      continue;
    }
    if (text.startsWith('**', i)) {
      out += '**';
      i += 2;
      continue;
    }
    const c = text[i];
    out += /[\\<>[\]_*#|&!]/.test(c) ? `\\${c}` : c;
    i++;
  }
  return out;
}

/** A link Markdown cannot misread, whatever the path holds (spaces and parentheses are escaped). */
export function fileLink(text: string, uri: string, line?: number): string {
  const target = uri.replace(/[()\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `[${escapeProse(text)}](${target}${line === undefined ? '' : `#L${line}`})`;
}

/** What the hover can say about the kernel in use, and how the client shows long text. */
export interface MacroHoverContext {
  /** The annotation context of the kernel in use (version and configuration). */
  kernel?: AnnotationContext;
  /** Its label, e.g. "6.12". */
  kernelLabel?: string;
  /** The client runs the `kmod.showMacroDoc` command from a hover link: the long text goes behind it. */
  moreCommand?: boolean;
}

/** The section the annotation puts things in on the kernel in use, when it depends on the version or configuration. */
function sectionInUse(doc: MacroDoc, kernel: AnnotationContext | undefined): { section?: string; emptied?: boolean } | undefined {
  const info = OBJECT_ANNOTATIONS[doc.name];
  if (!kernel || !info || typeof info.section !== 'function') return undefined;
  const section = annotationSection(doc.name, kernel);
  return section ? { section } : { emptied: true };
}

/** Whether the headline shows the entry's own section text (else the long text does). */
const plainSectionName = (section: string): boolean => /^[.\w]+$/.test(section);

/** The first line: what the macro is, where it puts things and how long they live. */
function macroHeadline(doc: MacroDoc, context: MacroHoverContext): string {
  return `${codeSpan(doc.signature ?? doc.name)} — ${macroFacts(doc, context).join(' · ')}`;
}

/** What the macro is, where it puts things and how long they live, one phrase each. */
function macroFacts(doc: MacroDoc, context: MacroHoverContext): string[] {
  const parts = [`kernel ${doc.category.replace('-', ' ')}`];
  const inUse = sectionInUse(doc, context.kernel);
  const on = context.kernelLabel ? ` on ${context.kernelLabel}` : '';
  let section = doc.section;
  if (inUse?.emptied) {
    parts.push(`no section${on} (expands to nothing)`);
    section = undefined;
  } else if (inUse?.section) {
    section = inUse.section;
    parts.push(`section ${codeSpan(section)}${on}`);
  } else if (doc.section && plainSectionName(doc.section)) {
    parts.push(`section ${codeSpan(doc.section)}`);
  } else if (doc.section) {
    // A section with its versions and conditions: the first name here, the whole text below.
    const first = /^[.\w]+/.exec(doc.section)?.[0];
    if (first) parts.push(`section ${codeSpan(first)} …`);
  }
  // Where the configuration decides the section, the configuration block says what that means.
  const name = section && !inUse ? /^\.[\w.]+/.exec(section)?.[0] : undefined;
  const sectionLifetime = name && SECTION_CLASSES[sectionClass(name)];
  if (sectionLifetime && sectionLifetime !== SECTION_CLASSES.other && (sectionLifetime.transient || name?.startsWith('.ref')))
    parts.push(sectionLifetime.lifetime);
  return parts;
}

/** The long text of an entry: details, sections, lifetime, built-in vs module, mistakes and versions. */
function macroDetails(doc: MacroDoc, context: MacroHoverContext): string[] {
  const parts = [escapeProse(doc.details)];
  if (doc.section && (!plainSectionName(doc.section) || sectionInUse(doc, context.kernel)))
    parts.push(`**Section:** ${escapeProse(doc.section)}`);
  if (doc.lifetime) parts.push(`**Lifetime:** ${escapeProse(doc.lifetime)}`);
  if (doc.builtinVsModule) parts.push(`**Built-in vs module:** ${escapeProse(doc.builtinVsModule)}`);
  if (doc.mistakes?.length) parts.push(`**Common mistakes:**\n${doc.mistakes.map((m) => `- ${escapeProse(m)}`).join('\n')}`);
  if (doc.versionNotes) parts.push(`**Versions:** ${escapeProse(doc.versionNotes)}`);
  return parts;
}

/**
 * A macro's hover, shortest first: the headline, the definition from the headers (`definition`,
 * already Markdown), the one-sentence summary; then the long text, or a link to it.
 */
export function renderMacroDoc(doc: MacroDoc, context: MacroHoverContext = {}, definition?: string, configuration?: string): string {
  const short = [macroHeadline(doc, context)];
  if (definition) short.push(definition);
  short.push(escapeProse(doc.summary));
  if (doc.constTwin) short.push(`For \`const\` data: ${codeSpan(doc.constTwin)}.`);
  if (configuration) short.push(configuration);
  if (context.moreCommand) {
    const args = encodeURIComponent(JSON.stringify([doc.name]));
    short.push(
      `[More about ${escapeProse(doc.name)}…](command:${SHOW_MACRO_DOC_COMMAND}?${args} "Open the whole explanation beside the editor")`,
    );
    return short.join('\n\n');
  }
  return [short.join('\n\n'), macroDetails(doc, context).join('\n\n')].join('\n\n---\n\n');
}

/** An entry's whole text as a page of its own (what "More…" opens). */
export function renderMacroDocPage(doc: MacroDoc, context: MacroHoverContext = {}): string {
  return [
    `# ${codeSpan(doc.signature ?? doc.name)}`,
    macroFacts(doc, context).join(' · '),
    escapeProse(doc.summary),
    ...(doc.constTwin ? [`For \`const\` data: ${codeSpan(doc.constTwin)}.`] : []),
    ...macroDetails(doc, context),
  ].join('\n\n');
}

export function renderHeaderLocation(location: HeaderLocation, kdir: string | undefined): string {
  const shown = kdir && location.file.startsWith(path.dirname(kdir)) ? path.relative(path.dirname(kdir), location.file) : location.file;
  return `Defined in ${fileLink(`${shown}:${location.line + 1}`, location.uri, location.line + 1)}:\n\n\`\`\`c\n${location.text}\n\`\`\``;
}

async function symbolHover(document: TextDocument, word: string, service: AnalysisService): Promise<string | undefined> {
  const analysis = await service.analysisToRead(document.uri, document.version, document.getText());
  const symbols = symbolsOf(analysis);
  const target = symbols.resolve(document.uri, word);
  if (!target) return undefined;
  const annotations = target.def?.annotations.length
    ? ` (${codeSpan(target.def.annotations.join(' '))})`
    : target.generatedBy
      ? ` (generated by ${codeSpan(`${target.generatedBy.macro}(${target.generatedBy.argument})`)})`
      : '';
  const lines = [
    `${codeSpan(target.name)} — ${target.kind} in ${codeSpan(target.section)}${annotations} · ${SECTION_CLASSES[sectionClass(target.section)].lifetime}`,
  ];
  const mismatching = new Map(
    analysis.findings
      .filter((f) => f.to?.symbol === target.name && f.from)
      .map((f) => [`${f.uri}:${f.range.start.line}:${f.range.start.character}`, f]),
  );
  const readers: string[] = [];
  for (const file of analysis.files) {
    for (const ref of file.references) {
      if (ref.name !== target.name || symbols.resolve(file.uri, ref.name) !== target) continue;
      const from = symbols.resolve(file.uri, ref.from);
      const where = fileLink(
        `${file.uri === document.uri ? 'line ' : `${path.basename(fileURLToPath(file.uri))}:`}${ref.line + 1}`,
        file.uri,
        ref.line + 1,
      );
      const finding = mismatching.get(`${file.uri}:${ref.line}:${ref.character}`);
      readers.push(
        finding
          ? `- ⚠ ${codeSpan(ref.from)} (${codeSpan(from?.section ?? '?')}) ${where} — **mismatch** (${finding.code})`
          : `- ${codeSpan(ref.from)} (${codeSpan(from?.section ?? '?')}) ${where}`,
      );
    }
  }
  lines.push(readers.length ? `**Referenced by:**\n${[...new Set(readers)].join('\n')}` : 'Not referenced in this module.');
  return lines.join('\n\n');
}

/** How the configuration in use sets the options that change `annotation`, and where that came from. */
export function renderConfiguration(annotation: string, values: ConfigValues, source: string): string | undefined {
  const options = optionsAffecting(annotation);
  if (options.length === 0) return undefined;
  const lines = options.map(
    (name) => `- ${codeSpan(`${name}=${values[name] ? 'y' : 'n'}`)}: with it, ${escapeProse(ANNOTATION_CONFIG[name].effect)}`,
  );
  return `**Configuration** (${source.startsWith('/') ? `read from ${codeSpan(source)}` : escapeProse(source)}):\n${lines.join('\n')}`;
}

/** Whether a module can use a kernel name: exported (by whom, how), inline in the headers, or not at all. */
export function renderExportStatus(
  name: string,
  tables: KernelLinkTables | undefined,
  namespaceImport: 'identifier' | 'string',
): string | undefined {
  if (!tables) return undefined;
  const exported = tables.exports.get(name);
  if (exported) {
    const by = exported.owner === 'vmlinux' ? 'the kernel (vmlinux)' : `the module \`${exported.owner}\``;
    const needs = [
      exported.gplOnly ? 'a GPL-compatible `MODULE_LICENSE`' : '',
      exported.namespace
        ? exported.namespace.startsWith('module:')
          ? `being one of the modules ${exported.namespace.slice('module:'.length)}`
          : `\`MODULE_IMPORT_NS(${namespaceImport === 'string' ? `"${exported.namespace}"` : exported.namespace})\``
        : '',
    ].filter(Boolean);
    return `**Exported** by ${by} with \`${exported.gplOnly ? 'EXPORT_SYMBOL_GPL' : 'EXPORT_SYMBOL'}\`${exported.namespace ? ` in namespace \`${exported.namespace}\`` : ''}${needs.length ? `: a module needs ${needs.join(' and ')}` : ': any module can use it'}.`;
  }
  const kinds = tables.headers.kindsOf(name).map((k) => k.kind);
  if (kinds.includes('inline')) return '`static inline` in the kernel headers: compiled into the module, nothing to link.';
  if (tables.headers.mustLink(name))
    return '**Not exported** to modules by this kernel: a module that uses it fails at modpost (`undefined!`).';
  return undefined;
}

export async function hover(
  document: TextDocument,
  position: Position,
  service: AnalysisService,
  headers: HeaderIndex,
  options: { moreCommand?: boolean } = {},
): Promise<Hover | null> {
  const at = wordAt(document, position);
  if (!at) return null;
  const doc = lookupMacroDoc(at.word);
  const context = service.analysisContext;
  const configuration = doc && renderConfiguration(at.word, context.extract.config, context.configSource);
  const symbol = doc ? undefined : await symbolHover(document, at.word, service);
  const header = symbol ? undefined : await headers.lookup(at.word);
  const definition = header && renderHeaderLocation(header, headers.kernelDir);
  if (doc) {
    const value = renderMacroDoc(doc, { ...macroHoverContext(service), ...options }, definition, configuration);
    return { contents: { kind: MarkupKind.Markdown, value }, range: at.range };
  }
  const linkage = symbol ? undefined : renderExportStatus(at.word, service.kernelLinkTables, context.profile.namespaceImport);
  // The definition first, as a kernel developer reads a header; then what it means for a module.
  const sections = [symbol, definition, linkage].filter((s): s is string => !!s);
  if (sections.length === 0) return null;
  return { contents: { kind: MarkupKind.Markdown, value: sections.join('\n\n---\n\n') }, range: at.range };
}

function macroHoverContext(service: AnalysisService): MacroHoverContext {
  const context = service.analysisContext;
  return { kernel: context.extract, kernelLabel: context.profile.id };
}

/** The whole text of the macro `name` (what a hover's "More…" link opens), or undefined for an unknown name. */
export function macroDocPage(name: string, service: AnalysisService): string | undefined {
  const doc = lookupMacroDoc(name);
  return doc && renderMacroDocPage(doc, macroHoverContext(service));
}
