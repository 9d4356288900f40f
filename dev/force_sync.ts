/**
 * Forces a sync of every row of the local stack now: one force-sync per chain that has rows
 * (`{"chain_id": …}`), sent to the function as an operator would, with the secret key in `apikey`
 * (it works whether or not the project disabled its legacy keys).
 * A body of `{}` would be a scheduled run, which right after a sync finds nothing due.
 */
import type { Sql } from "../stack/pg.ts";

export interface ChainForceResult {
  chain: string;
  status: number;
  claimed: number;
  synced: number;
  failed: number;
  busy: number;
  error: string | null;
}

export async function forceSyncEverything(
  sql: Sql,
  functionUrl: string,
  secretKey: string,
): Promise<ChainForceResult[]> {
  const chains = await sql<{ id: string; name: string }[]>`
    select distinct c.id::text, c.name
    from public.wallet_balances as wb
    join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id
    join public.chains as c on c.id = aoc.chain_id
    where aoc.is_active and c.is_active
    order by c.name`;
  return await Promise.all(chains.map(async (chain) => {
    try {
      const response = await fetch(functionUrl, {
        method: "POST",
        headers: {
          apikey: secretKey,
          "content-type": "application/json",
        },
        body: JSON.stringify({ chain_id: chain.id }),
      });
      const body = await response.json().catch(() => ({}));
      return {
        chain: chain.name,
        status: response.status,
        claimed: Number(body.claimed ?? 0),
        synced: Number(body.synced ?? 0),
        failed: Number(body.failed ?? 0),
        busy: Number(body.busy ?? 0),
        error: response.ok ? null : String(body.error ?? `HTTP ${response.status}`),
      };
    } catch (error) {
      return {
        chain: chain.name,
        status: 0,
        claimed: 0,
        synced: 0,
        failed: 0,
        busy: 0,
        error: (error as Error).message,
      };
    }
  }));
}

/** One line per chain, as dev:sync prints and the view's notice shows. */
export function describeForce(result: ChainForceResult): string {
  if (result.error) return `${result.chain}: ${result.error}`;
  return `${result.chain}: claimed ${result.claimed}, synced ${result.synced}, failed ${result.failed}` +
    (result.busy ? `, busy ${result.busy} (in another run)` : "");
}

/** One line for all chains. */
export function summarizeForce(results: ChainForceResult[]): string {
  const sum = (key: "claimed" | "synced" | "failed" | "busy") =>
    results.reduce((n, r) => n + r[key], 0);
  const errors = results.filter((r) => r.error);
  return `forced a sync of ${results.length} chains: claimed ${sum("claimed")}, synced ${
    sum("synced")
  }, failed ${sum("failed")}` + (sum("busy") ? `, busy ${sum("busy")}` : "") +
    (errors.length ? ` · ${errors.map((r) => `${r.chain}: ${r.error}`).join("; ")}` : "");
}
