// Outline: every function and variable of the file with its inferred section.

import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { AnalysisService } from '../lsp/analysis-service';

export async function documentSymbols(document: TextDocument, service: AnalysisService): Promise<DocumentSymbol[]> {
  const facts = await service.factsForText(document.uri, document.version, document.getText());
  return facts.symbols.filter((symbol) => symbol.isDefinition || symbol.kind === 'function').map((symbol) => ({
    name: symbol.name,
    detail: `${symbol.section}${symbol.annotations.length ? ` (${symbol.annotations.join(' ')})` : ''}${symbol.isDefinition ? '' : ' declaration'}`,
    kind: symbol.kind === 'function' ? SymbolKind.Function : SymbolKind.Variable,
    range: symbol.fullRange,
    selectionRange: symbol.nameRange,
  }));
}
