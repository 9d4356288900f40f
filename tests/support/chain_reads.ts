/** Helpers for tests of the chain readers: chain rows and lookups of a read's outcomes by key. */
import assert from "node:assert/strict";
import type {
  BalanceOutcome,
  ChainConfig,
  ChainRead,
} from "../../supabase/functions/balance-sync/chains/types.ts";
import type { ErrorClass } from "../../supabase/functions/balance-sync/chains/errors.ts";

/** A chain row with the optional columns at their database defaults unless `row` sets them. */
export function chainConfig(
  row: Pick<ChainConfig, "id" | "name" | "family" | "rpcUrl"> & Partial<ChainConfig>,
): ChainConfig {
  return {
    fallbackRpcUrls: [],
    multicallAddress: null,
    confirmations: 0,
    evmChainId: null,
    apiKeyEnv: null,
    maxRps: null,
    maxConcurrency: null,
    ...row,
  };
}

export function byKey(read: ChainRead): Map<string, BalanceOutcome> {
  return new Map(read.outcomes.map((o) => [o.key, o]));
}

/** The raw balance read for `key`; fails the test if there is none. */
export function raw(read: ChainRead, key: string): bigint {
  const outcome = byKey(read).get(key);
  assert.ok(outcome, `no outcome for ${key}`);
  if (!outcome.ok) assert.fail(`${key} failed: ${outcome.error.message}`);
  return outcome.raw;
}

/** The error of `key`'s outcome, checked to be of `errorClass` (and to match `pattern`). */
export function failure(read: ChainRead, key: string, errorClass: ErrorClass, pattern?: RegExp) {
  const outcome = byKey(read).get(key);
  assert.ok(outcome, `no outcome for ${key}`);
  if (outcome.ok) assert.fail(`${key} succeeded with ${outcome.raw}, expected ${errorClass}`);
  assert.equal(outcome.error.errorClass, errorClass, outcome.error.message);
  if (pattern) assert.match(outcome.error.message, pattern);
  return outcome.error;
}
