// Waiting for a condition that another request will make true. The runtime cancels a
// request whose only pending work is a promise another request resolves, so a waiter
// never sleeps on such a promise: it polls with its own timer.
export const POLL_MS = 5;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once `ready()` holds, checking every POLL_MS; `tick` runs before each check. */
export async function pollUntil(ready: () => boolean, tick?: () => void): Promise<void> {
  for (;;) {
    tick?.();
    if (ready()) return;
    await sleep(POLL_MS);
  }
}

/**
 * A hold on something the isolate's requests share (a hash slot, an email being created).
 * A request the runtime cancels (its client went away) never runs its `finally`, so what
 * it holds is a lease: it lapses by itself once its term is over, abort signal or not.
 */
export interface Lease {
  expires: number;
}

export const lease = (termMs: number): Lease => ({ expires: Date.now() + termMs });

export const lapsed = (held: Lease, now = Date.now()) => now >= held.expires;
