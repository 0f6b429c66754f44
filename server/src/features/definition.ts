// Go to definition: module symbols across the module's files, kernel macros and functions into the
// configured headers.

import type { Location, Position } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { symbolsOf, type AnalysisService } from '../analysis/analysis-service';
import type { HeaderIndex } from './header-index';
import { wordAt } from './text-at';

export async function definition(
  document: TextDocument,
  position: Position,
  service: AnalysisService,
  headers: HeaderIndex,
): Promise<Location | null> {
  const at = wordAt(document, position);
  if (!at) return null;
  const analysis = await service.analysisToRead(document.uri, document.version, document.getText());
  const target = symbolsOf(analysis).resolve(document.uri, at.word);
  if (target) return { uri: target.uri, range: target.nameRange };
  const header = await headers.lookup(at.word);
  if (!header) return null;
  return { uri: header.uri, range: { start: { line: header.line, character: 0 }, end: { line: header.line, character: 0 } } };
}
