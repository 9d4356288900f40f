/**
 * What the request-count benchmarks of both readers (request_counts.ts, request_counts_tron.ts)
 * share: the token balances they set, the queries and the check of every value read, and the
 * reader's CPU clock.
 */
import process from "node:process";
import type { BalanceQuery, ChainRead } from "../supabase/functions/balance-sync/chains/types.ts";

/** The token balance set for holder `i`: above 2^53, so a read through Number would show. */
export const tokenOf = (i: number) => (1n << 200n) + BigInt(i);

/** Two queries per holder: its coin balance as `n<i>`, its `token` balance as `t<i>`. */
export const balanceQueries = (holders: readonly string[], token: string): BalanceQuery[] =>
  holders.flatMap((address, i) => [
    { key: `n${i}`, address, token: null },
    { key: `t${i}`, address, token },
  ]);

/** How many outcomes of `read` failed or differ from what was set (`coinOf(i)`, `tokenOf(i)`). */
export function countWrong(read: ChainRead, coinOf: (i: number) => bigint): number {
  let wrong = 0;
  for (const outcome of read.outcomes) {
    const i = Number(outcome.key.slice(1));
    const expected = outcome.key.startsWith("n") ? coinOf(i) : tokenOf(i);
    if (!outcome.ok || outcome.raw !== expected) wrong++;
  }
  return wrong;
}

/** CPU milliseconds (user + system) this process used since `start` (a process.cpuUsage()). */
export function cpuMs(start: ReturnType<typeof process.cpuUsage>): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}
