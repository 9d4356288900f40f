import type { ChainFamily, ChainReader } from "./chains/types.ts";
import type { Logger } from "./log.ts";
import type { ForcedFilter } from "./request.ts";
import type { Store } from "./store.ts";
import type { RunBook } from "./summary.ts";

/** Loads the reader of a family (lazily: tronweb is only imported when TRON rows exist). */
export type ReaderRegistry = (family: ChainFamily) => Promise<ChainReader>;

export interface SyncSettings {
  batchSize: number;
  leaseSeconds: number;
  budgetMs: number;
  maxBatches: number;
  minIntervalSeconds: number;
  maxForcedIds: number;
}

export interface SyncDeps {
  store: Store;
  readers: ReaderRegistry;
  log: Logger;
  /** Exact raw -> human conversion (amount.ts). */
  toHuman: (raw: bigint, decimals: number) => string;
  /** Function secrets, for the readers' API keys. */
  env?: (name: string) => string | undefined;
  /** Monotonic milliseconds. */
  now?: () => number;
}

export interface RunInput {
  runId: string;
  filter?: ForcedFilter | null;
}

export const DEADLINE = Symbol("deadline");

/** The moment the run stops reading: an abort signal, and a promise that resolves with it. */
export class Deadline {
  readonly #controller = new AbortController();
  readonly reached: Promise<typeof DEADLINE>;
  #timer: ReturnType<typeof setTimeout>;

  constructor(ms: number) {
    this.reached = new Promise((resolve) => {
      this.#controller.signal.addEventListener("abort", () => resolve(DEADLINE), { once: true });
    });
    this.#timer = setTimeout(
      () => this.#controller.abort(new DOMException("run budget exhausted", "TimeoutError")),
      ms,
    );
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get passed(): boolean {
    return this.#controller.signal.aborted;
  }

  dispose(): void {
    clearTimeout(this.#timer);
  }
}

/** What every part of one run shares. */
export interface RunContext {
  deps: SyncDeps;
  settings: SyncSettings;
  /** The run's fencing token (its run id). */
  worker: string;
  forced: boolean;
  log: Logger;
  now: () => number;
  book: RunBook;
  /** Rows this run holds a lease on and has neither recorded nor released. */
  pending: Set<string>;
  deadline: Deadline;
}
