// The edge side of the outbox (domain/context.ts EventAnnouncer): committed events go
// to the queue after the response (waitUntil), never in the request path. A failed
// send is only logged: the scheduled sweep re-sends what was never handed over.
import type { Db } from '../db/client.ts';
import type { EventAnnouncer } from '../domain/context.ts';
import { handOver } from '../domain/events.ts';

/** `db` is the request's session on `shard`, where its events were written. */
export function queueAnnouncer(db: Db, shard: string, env: Env, exec: ExecutionContext, requestId: string): EventAnnouncer {
  return {
    announce(recorded) {
      if (recorded.length === 0) return;
      const ids = recorded.map((event) => event.id);
      exec.waitUntil(
        handOver(db, shard, env.WEBHOOK_EVENTS, ids).catch((err) =>
          console.error(
            JSON.stringify({ requestId, outbox: 'send failed; the sweep re-sends', events: ids, error: err instanceof Error ? err.message : String(err) }),
          ),
        ),
      );
    },
  };
}
