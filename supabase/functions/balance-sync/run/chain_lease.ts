/**
 * The lease of a rate-limited chain: one run at a time reads such a chain. ChainLeases takes a
 * chain's lease and gives back every lease it took, for the forced run and the chain loop alike
 * (a lease that ran out under the run is noted by the book: RunBook.chainLeaseLost).
 */
import type { ChainLease } from "../db/store.ts";
import type { RunContext } from "./context.ts";

/** The chain leases one run (or one chain's loop) holds, and their giving back. */
export class ChainLeases {
  readonly #held: string[] = [];

  constructor(private readonly ctx: RunContext) {}

  /** Asks for the chain's lease; a rate-limited chain's lease, once taken, is given back later. */
  async take(chainId: string, timeoutMs: number): Promise<ChainLease> {
    const { deps, runId, settings } = this.ctx;
    const lease = await deps.store.acquireChain(runId, chainId, settings.leaseSeconds, {
      timeoutMs,
    });
    if (lease.acquired && lease.rateLimited) this.#held.push(chainId);
    return lease;
  }

  /** The lease ran out (claim or record said so): it is no longer this run's to give back. */
  forget(chainId: string): void {
    const at = this.#held.indexOf(chainId);
    if (at >= 0) this.#held.splice(at, 1);
  }

  /**
   * Gives back every lease still held, one after the other, each within its share of the time
   * left; the book says the lease was held. A lease that cannot be given back expires.
   */
  async giveBack(): Promise<void> {
    const { deps, runId, book, clock, log } = this.ctx;
    for (const chainId of this.#held.splice(0)) {
      book.chainLeaseHeld(chainId);
      try {
        await deps.store.releaseChain(runId, chainId, { timeoutMs: clock.write(2) });
      } catch (error) {
        log.error("Could not release the chain lease; it will expire", {
          chain_id: chainId,
          error: (error as Error)?.message ?? String(error),
        });
      }
    }
  }
}
