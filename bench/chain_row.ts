/** Chains for the benchmarks, built from a row as the function builds them from its claim. */
import { toChainConfig } from "../supabase/functions/balance-sync/db/store.ts";
import type { ChainConfig } from "../supabase/functions/balance-sync/chains/types.ts";

/**
 * `row` (the chains table's snake_case columns) as the function's readers get it: every column it
 * leaves out at its default. Throws with the reason when the function would refuse the row.
 */
export function chainFromRow(row: Record<string, unknown>): ChainConfig {
  const chain = toChainConfig(row);
  if (typeof chain !== "object" || chain === null) {
    throw new Error(`the chain row is refused: ${chain ?? "no family or no rpc_url"}`);
  }
  return chain;
}
