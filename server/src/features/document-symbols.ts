// Outline: every function and variable of the file with its inferred section (static locals under
// their function).

import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { SymbolDef } from '../model/types';
import type { AnalysisService } from '../analysis/analysis-service';

export async function documentSymbols(document: TextDocument, service: AnalysisService): Promise<DocumentSymbol[]> {
  const facts = await service.factsForText(document.uri, document.version, document.getText());
  const entry = (symbol: SymbolDef): DocumentSymbol => ({
    name: symbol.name,
    detail: `${symbol.section}${symbol.annotations.length ? ` (${symbol.annotations.join(' ')})` : ''}${symbol.isDefinition ? '' : ' declaration'}`,
    kind: symbol.kind === 'function' ? SymbolKind.Function : SymbolKind.Variable,
    range: symbol.fullRange,
    selectionRange: symbol.nameRange,
  });
  // Static locals are objects with sections of their own: listed under their function.
  const locals = new Map<number, DocumentSymbol[]>();
  for (const symbol of facts.symbols) {
    if (symbol.localTo === undefined) continue;
    const list = locals.get(symbol.localTo) ?? [];
    list.push(entry(symbol));
    locals.set(symbol.localTo, list);
  }
  return facts.symbols.flatMap((symbol, index) => {
    if (symbol.localTo !== undefined || !(symbol.isDefinition || symbol.kind === 'function')) return [];
    const children = locals.get(index);
    return [children ? { ...entry(symbol), children } : entry(symbol)];
  });
}
