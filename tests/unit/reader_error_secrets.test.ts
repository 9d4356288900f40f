/**
 * A transport failure whose message names the request URL (Deno's fetch said
 * "error sending request for url (<url>): ..." before it wrapped that in a cause) must not carry
 * the URL's secrets into an outcome: outcomes end up in last_error and in the logs.
 */
import assert from "node:assert/strict";
import { createEvmReader } from "../../supabase/functions/balance-sync/chains/evm.ts";
import { createTronReader } from "../../supabase/functions/balance-sync/chains/tron.ts";
import type { ChainConfig, ChainRead } from "../../supabase/functions/balance-sync/chains/types.ts";
import { chainConfig } from "../support/chain_reads.ts";

const SECRET = "s3cr3tKey0123456789abcdef";
const PATH_SECRET = "pathKeyAbcdef0123456789xyz";

/** Refuses every request the way Deno's fetch used to: the full URL in the message. */
const refusingFetch: typeof fetch = (input) => {
  const url = input instanceof Request ? input.url : String(input);
  return Promise.reject(
    new TypeError(
      `error sending request for url (${url}): client error (Connect): tcp connect error: ` +
        "Connection refused (os error 111)",
    ),
  );
};

function chain(family: "evm" | "tron", rpcUrl: string, apiKeyEnv: string | null): ChainConfig {
  return chainConfig({
    id: `review-${family}-${crypto.randomUUID()}`,
    name: family,
    family,
    rpcUrl,
    apiKeyEnv,
  });
}

const env = (name: string) => (name === "RPC_KEY" ? SECRET : undefined);

function assertNoSecret(read: ChainRead) {
  assert.equal(read.outcomes.length, 1);
  const outcome = read.outcomes[0];
  assert.equal(outcome.ok, false);
  if (outcome.ok) return;
  assert.equal(outcome.error.errorClass, "transient");
  const shown = JSON.stringify({ message: outcome.error.message, data: outcome.error.data });
  assert.doesNotMatch(shown, new RegExp(`${SECRET}|${PATH_SECRET}|user:pw`), shown);
}

Deno.test("EVM reader: an unreachable node's error never shows the API key put into its URL", async () => {
  const read = createEvmReader({ fetchFn: refusingFetch, retryCount: 0 });
  assertNoSecret(
    await read(chain("evm", "http://node.invalid/v2/{apiKey}", "RPC_KEY"), [
      { key: "a", address: "0x000000000000000000000000000000000000bEEF", token: null },
    ], { env }),
  );
  assertNoSecret(
    await read(chain("evm", `http://user:pw@node.invalid/${PATH_SECRET}?key=${SECRET}`, null), [
      { key: "a", address: "0x000000000000000000000000000000000000bEEF", token: null },
    ]),
  );
});

Deno.test("TRON reader: an unreachable node's error never shows a key in its rpc_url", async () => {
  const read = createTronReader({ fetch: refusingFetch, maxRetries: 0 });
  assertNoSecret(
    await read(chain("tron", `http://user:pw@node.invalid/${PATH_SECRET}?key=${SECRET}`, null), [
      { key: "a", address: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", token: null },
    ]),
  );
});
