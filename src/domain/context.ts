// What every domain action is given: the stores it works on, the project it acts in,
// and who asked (recorded on sessions and audit entries).
import type { Db } from '../db/client.ts';
import type { DeviceInfo } from './user-agent.ts';

export interface Stores {
  /** The request's D1 session: reads may come from a replica, at least as fresh as its start. */
  db: Db;
  kv: KVNamespace;
  /**
   * A database at least as fresh as the primary when the request arrived: for confirming
   * a miss that a lagging replica may not know of yet (a key created a second ago).
   * The request's own `db` when that already started on the primary.
   */
  primary(): Db;
  events: EventAnnouncer;
}

/**
 * Takes the outbox rows a committed batch wrote (domain/events.ts recordEvent) on to
 * delivery. The edge hands them to the queue after the response, so a slow queue
 * never slows the request; what it loses, the scheduled sweep re-sends.
 */
export interface EventAnnouncer {
  announce(recorded: Array<{ id: string }>): void;
}

/** A tenant, as resolved from the request's project id. */
export interface Project {
  /** Integer key namespacing the project's search tokens (domain/search.ts). */
  seq: number;
  id: string;
  name: string;
  /** Browser origins allowed to call the project. */
  origins: string[];
  /** The shard its users live on (the directory, projects.shard; db/shards.ts). */
  shard: string;
  /** When it arrived on that shard (a move), unix seconds; 0 = never moved. */
  movedAt: number;
}

/** Who performed a request: client IP, parsed User-Agent, ISO country code or "--". */
export interface Actor {
  ip: string;
  device: DeviceInfo;
  country: string;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
