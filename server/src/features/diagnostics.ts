// Findings as LSP diagnostics.

import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import { FINDING_CODES } from '../knowledge/finding-codes';
import type { Finding } from '../model/types';
import { DIAGNOSTIC_SOURCE } from '../../../shared/src/lsp-extensions';

export { DIAGNOSTIC_SOURCE };

const SEVERITY: Record<Finding['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** Data carried by each diagnostic so code actions can rebuild the fix without re-analysis. */
export interface FindingData {
  from: Finding['from'];
  to: Finding['to'];
  edit?: Finding['edit'];
}

export function toDiagnostic(finding: Finding): Diagnostic {
  return {
    range: finding.range,
    severity: SEVERITY[finding.severity],
    code: finding.code,
    source: DIAGNOSTIC_SOURCE,
    message: finding.message,
    relatedInformation: finding.related?.map((r) => ({ location: { uri: r.uri, range: r.range }, message: r.message })),
    data: { from: finding.from, to: finding.to, ...(finding.edit ? { edit: finding.edit } : {}) } satisfies FindingData,
  };
}

/** An information diagnostic for a file the analyzer had to skip (oversize, binary, parser trap). */
export function unanalyzableDiagnostic(reason: string): Diagnostic {
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: SEVERITY[FINDING_CODES['not-analyzed'].severity],
    code: 'not-analyzed',
    source: DIAGNOSTIC_SOURCE,
    message: `Kernel module checks skipped: ${reason}.`,
  };
}
