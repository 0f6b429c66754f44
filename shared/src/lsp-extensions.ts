// What the extension and kmod-lsp add to LSP, named once for both ends.

/** Request: the whole text of a kernel macro's hover as Markdown. Params `{ name }`, result a string or null. */
export const MACRO_DOC_REQUEST = 'kmod/macroDoc';

/** The command a hover's "More…" link runs with `[name]`: opens the macro's whole text beside the editor. */
export const SHOW_MACRO_DOC_COMMAND = 'kmod.showMacroDoc';

/**
 * Set to true under the client capabilities' `experimental` by a client that has the command:
 * its hovers stay short and link to the rest. Other clients get the whole text in the hover.
 */
export const SHOW_MACRO_DOC_CAPABILITY = 'kmodShowMacroDoc';

/** The `source` of the analyzer's diagnostics (`kmod(section-mismatch)` in the Problems panel). */
export const DIAGNOSTIC_SOURCE = 'kmod';
