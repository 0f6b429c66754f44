// Work on the server's thread that takes long is done in slices; between them, requests go first.

/**
 * Resolves once a request that arrived meanwhile (a hover) has had its turn. A timer, not
 * setImmediate: timers run before the event loop polls for input, and a request read by that poll
 * is handled in the check phase right after it, before the next slice. A slice queued with
 * setImmediate runs in that check phase first, and a request waits behind one slice or two.
 */
export function requestTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
