/** Helpers for tests of the chain readers: chain rows and lookups of a read's outcomes by key. */
import assert from "node:assert/strict";
import type {
  BalanceOutcome,
  BalanceQuery,
  ChainConfig,
  ChainRead,
  ChainReader,
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

/** A query for the chain's own coin (ETH, TRX, ...) held by `address`. */
export const coinQuery = (key: string, address: string): BalanceQuery => ({
  key,
  address,
  token: null,
});

/** A query for the balance of `token` (an ERC20/TRC20 contract) held by `address`. */
export const tokenQuery = (key: string, address: string, token: string): BalanceQuery => ({
  key,
  address,
  token,
});

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

/** Keys the reader must never show in its errors. */
export const SECRET = "s3cr3tKey0123456789abcdef";
export const PATH_SECRET = "pathKeyAbcdef0123456789xyz";

/** Refuses every request the way Deno's fetch used to: the full URL in the message. */
export const refusingFetch: typeof fetch = (input) => {
  const url = input instanceof Request ? input.url : String(input);
  return Promise.reject(
    new TypeError(
      `error sending request for url (${url}): client error (Connect): tcp connect error: ` +
        "Connection refused (os error 111)",
    ),
  );
};

export function secretChain(
  family: "evm" | "tron",
  rpcUrl: string,
  apiKeyEnv: string | null,
): ChainConfig {
  return chainConfig({
    id: `review-${family}-${crypto.randomUUID()}`,
    name: family,
    family,
    rpcUrl,
    apiKeyEnv,
  });
}

export const secretEnv = (name: string) => (name === "RPC_KEY" ? SECRET : undefined);

/**
 * A chain whose apiKeyEnv names a secret that is not set: `read` says so as a configuration error
 * and sends no request.
 */
export async function assertUnsetKeyRefused(
  read: ChainReader,
  chain: ChainConfig,
  query: BalanceQuery,
): Promise<void> {
  const missing = await read({ ...chain, apiKeyEnv: "OTHER_KEY" }, [query], {
    env: () => undefined,
  });
  failure(missing, query.key, "configuration", /secret OTHER_KEY is not set/);
  assert.equal(missing.requests, 0);
}

/**
 * Starts reading `query` (from a node the caller keeps from answering) and calls `abort` with the
 * read's controller: the read ends with a transient outcome matching `pattern`, not a rejection.
 */
export async function assertAbortEndsRead(
  read: ChainReader,
  chain: ChainConfig,
  query: BalanceQuery,
  abort: (controller: AbortController) => void,
  pattern: RegExp,
): Promise<void> {
  const controller = new AbortController();
  const pending = read(chain, [query], { signal: controller.signal });
  abort(controller);
  failure(await pending, query.key, "transient", pattern);
}

/** An unreachable rpc_url with a user:password, a key in its path and one in its query string. */
export const URL_WITH_SECRETS = `http://user:pw@node.invalid/${PATH_SECRET}?key=${SECRET}`;

export function assertNoSecret(read: ChainRead) {
  assert.equal(read.outcomes.length, 1);
  const outcome = read.outcomes[0];
  assert.equal(outcome.ok, false);
  if (outcome.ok) return;
  assert.equal(outcome.error.errorClass, "transient");
  const shown = JSON.stringify({ message: outcome.error.message, data: outcome.error.data });
  assert.doesNotMatch(shown, new RegExp(`${SECRET}|${PATH_SECRET}|user:pw`), shown);
}
