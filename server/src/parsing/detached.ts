/**
 * A copy of `text` that keeps nothing else alive. V8 makes a substring of 13 or more characters a
 * view into the string it was cut from, so a name matched in a file's text and kept in a table
 * (an include's name, a condition, an export, a reference) would keep the whole file in memory.
 * Concatenating forces a fresh flat string.
 */
export const detached = (text: string): string => ` ${text}`.slice(1);

/** Shorter substrings are copies already. */
const SHORTEST_VIEW = 13;

/** `text` as it is when too short to be a view of another string, else a copy (for the many names kept in tables). */
export const detachedName = (text: string): string => (text.length < SHORTEST_VIEW ? text : detached(text));
