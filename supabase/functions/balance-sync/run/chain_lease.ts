import type { RunContext } from "./context.ts";

/**
 * This run's lease of a rate-limited chain ran out while it read the chain (it overran: a stalled
 * worker, a slow database), as claim or record reported. Another run may read the chain now, so
 * this one reads no more of it: the chain's loop ends with `chain_lease_lost`. Said once per chain.
 */
export function noteChainLeaseLost(
  ctx: RunContext,
  chainId: string,
  holder: { by: string | null; until: string | null } | null = null,
): void {
  const entry = ctx.book.chain(chainId);
  if (entry.lease === "lost") return;
  entry.lease = "lost";
  entry.note = "this run's lease of the rate-limited chain ran out" +
    (holder?.by ? ` and run ${holder.by} holds it until ${holder.until ?? "unknown"}` : "") +
    "; this run stopped reading the chain (its rows already read were recorded)";
  ctx.log.warn("Chain lease lost; this run stops reading the chain", {
    chain_id: chainId,
    holder: holder?.by ?? null,
    locked_until: holder?.until ?? null,
  });
}
