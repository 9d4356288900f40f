/**
 * The run's book of the chains' learned request sizes: each chain's loaded before its first read,
 * saved at the end of the run.
 */
import {
  afterReadAll,
  EVM_MAXIMA,
  type LimitMaxima,
  type LimitObservations,
  mergeObservations,
  parseLimits,
  type ReadLimits,
  type ReadSizes,
  serializeLimits,
  sizesOf,
  TRON_MAXIMA,
} from "../chains/read_limits.ts";
import type { ChainConfig, ChainFamily, ChainRead } from "../chains/types.ts";
import type { Logger } from "../log.ts";
import type { CallOptions, Store } from "../db/store.ts";

const MAXIMA: Record<ChainFamily, LimitMaxima> = { evm: EVM_MAXIMA, tron: TRON_MAXIMA };

interface ChainLimits {
  maxima: LimitMaxima;
  /** What the chain's row said when the run began (null: could not be loaded). */
  loaded: Promise<ReadLimits | null>;
  /** The sizes the next read of this run uses: lowered at once by a refusal. */
  sizes: ReadSizes | null;
  /** What this run's reads saw, merged; applied once per run (a run is one AIMD step). */
  seen: LimitObservations | undefined;
}

/**
 * A run's view of the chains' learned request sizes (balance_sync.read_limits): each chain's row
 * is loaded once, before its first read, and saved once, at the end of the run. A database that
 * cannot load or save them costs nothing but the learning: reads use the defaults.
 */
export class ReadLimitsBook {
  readonly #chains = new Map<string, ChainLimits>();

  constructor(private readonly store: Store, private readonly log: Logger) {}

  /** The sizes for the next read of `chain`. */
  async sizesFor(chain: ChainConfig, call: CallOptions): Promise<ReadSizes> {
    let entry = this.#chains.get(chain.id);
    if (!entry) {
      const maxima = MAXIMA[chain.family] ?? EVM_MAXIMA;
      entry = { maxima, loaded: this.#load(chain.id, maxima, call), sizes: null, seen: undefined };
      this.#chains.set(chain.id, entry);
    }
    const loaded = await entry.loaded;
    if (entry.sizes === null) entry.sizes = sizesOf(loaded ?? parseLimits(null, entry.maxima));
    return { ...entry.sizes };
  }

  /** Takes in what a read of `chain` saw. */
  afterRead(chain: ChainConfig, read: ChainRead): void {
    const entry = this.#chains.get(chain.id);
    if (!entry) return;
    if (read.sizes) {
      const now = entry.sizes ?? read.sizes;
      entry.sizes = {
        multicall: Math.min(now.multicall, read.sizes.multicall),
        batch: Math.min(now.batch, read.sizes.batch),
        response: Math.min(now.response, read.sizes.response),
      };
    }
    entry.seen = mergeObservations(entry.seen, read.seen);
  }

  /** Saves every chain this run read and learned about: one call per chain. */
  async saveAll(call: CallOptions): Promise<void> {
    const save = this.store.saveReadLimits?.bind(this.store);
    if (!save) return;
    await Promise.all([...this.#chains].map(async ([chainId, entry]) => {
      const loaded = await entry.loaded;
      if (loaded === null || entry.seen === undefined) return;
      const next = afterReadAll(loaded, entry.seen, entry.maxima);
      const lowered = Object.values(entry.seen).some((o) => o?.failedAt !== null);
      // A read that only confirmed what is known (no refusal, no step toward growth) is not
      // worth a round trip; `good` is saved with the next change.
      const steps = (l: ReadLimits) =>
        JSON.stringify(Object.values(l).map((x) => [x.size, x.ceiling, x.clean, x.sinceFailure]));
      if (steps(next) === steps(loaded)) return;
      try {
        await save(chainId, serializeLimits(next), lowered, call);
      } catch (error) {
        this.log.warn("Could not save the chain's learned request sizes", {
          chain_id: chainId,
          error: (error as Error)?.message ?? String(error),
        });
      }
    }));
  }

  async #load(chainId: string, maxima: LimitMaxima, call: CallOptions) {
    const load = this.store.readLimits?.bind(this.store);
    if (!load) return null;
    try {
      return parseLimits(await load(chainId, call), maxima);
    } catch (error) {
      this.log.warn("Could not load the chain's learned request sizes; reading with defaults", {
        chain_id: chainId,
        error: (error as Error)?.message ?? String(error),
      });
      return null;
    }
  }
}
