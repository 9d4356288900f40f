/** The nodes and the API key of a chain's read, from its chain row and the function secrets. */
import { ReadError } from "./errors.ts";
import type { ChainConfig } from "./types.ts";

/** The nodes of one chain, in the order to try them, and the API key to send them. */
export interface Endpoints {
  urls: string[];
  apiKey: string | null;
}

/**
 * Resolves a chain row's rpc_url, fallback URLs and API key secret, for both families. Returns a
 * configuration ReadError (the row or the function secrets must change) instead of throwing.
 */
export function resolveEndpoints(
  chain: ChainConfig,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): Endpoints | ReadError {
  const urls = [chain.rpcUrl, ...(chain.fallbackRpcUrls ?? [])].filter((url) => !!url);
  if (urls.length === 0) {
    return new ReadError("configuration", `chain ${chain.name} has no rpc_url`);
  }
  if (!urls.every((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol))) {
    return new ReadError("configuration", `chain ${chain.name}: rpc URL is not an http(s) URL`);
  }
  if (!chain.apiKeyEnv) return { urls, apiKey: null };
  const apiKey = env(chain.apiKeyEnv)?.trim();
  if (!apiKey) {
    return new ReadError(
      "configuration",
      `chain ${chain.name}: the API key secret ${chain.apiKeyEnv} is not set`,
    );
  }
  return { urls, apiKey };
}
