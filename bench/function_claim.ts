/**
 * The claim exactly as the function sends it: the function's own store (store.ts) builds the
 * RPC's arguments from run/chain_loop.ts's options and the function's defaults (config.ts), and
 * stack/sql_rpc_client.ts runs them as PostgREST would, on a direct connection.
 */
import { DEFAULTS, SETTING_DEFAULTS } from "../supabase/functions/balance-sync/config.ts";
import { createStore, type RpcClient } from "../supabase/functions/balance-sync/db/store.ts";
import type { Sql } from "../stack/pg.ts";
import { sqlRpcClient } from "../stack/sql_rpc_client.ts";

/** The function's store on `sql`, with the function's default timeout. */
export const functionStore = (sql: Sql) =>
  createStore(sqlRpcClient(sql), { timeoutMs: DEFAULTS.storeTimeoutMs });

/** run/chain_loop.ts's options of one scheduled claim of `chainId`, `limit` rows. */
export const scheduledClaimOptions = (chainId: string, runId: string, limit: number) => ({
  runId,
  limit,
  leaseSeconds: DEFAULTS.leaseSeconds,
  minIntervalSeconds: SETTING_DEFAULTS.minIntervalSeconds,
  filter: { chain_id: chainId, scheduled: true as const },
});

/** One scheduled claim of one chain, as run/chain_loop.ts sends it (limit: the batch size). */
export const scheduledClaim = (sql: Sql, chainId: string, runId: string, limit: number) =>
  functionStore(sql).claim(scheduledClaimOptions(chainId, runId, limit));

/** The RPC (function name and arguments) the store sends for that claim, without sending it. */
export async function scheduledClaimRpc(chainId: string, runId: string, limit: number) {
  let sent: { fn: string; args: Record<string, unknown> } | null = null;
  const capture: RpcClient = {
    rpc(fn, args) {
      sent = { fn, args };
      const answer = Promise.resolve({ data: { rows: [] }, error: null });
      return { then: answer.then.bind(answer), abortSignal: () => answer };
    },
  };
  await createStore(capture, { timeoutMs: DEFAULTS.storeTimeoutMs })
    .claim(scheduledClaimOptions(chainId, runId, limit));
  return sent!;
}
