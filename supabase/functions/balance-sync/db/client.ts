/**
 * The database client: PostgREST's RPC endpoint through Supabase's API gateway, with the key
 * chosen in keys.ts.
 *
 * Only `.rpc()` is used (DESIGN: every read and write is one SQL function), so the client is
 * `@supabase/postgrest-js`, the package supabase-js itself uses for `.rpc()`, without the auth,
 * realtime, storage and functions clients that supabase-js would bring into the bundle.
 */
import { PostgrestClient } from "@supabase/postgrest-js";
import type { ApiKeys } from "./keys.ts";
import type { RpcClient } from "./store.ts";

export interface DatabaseClientOptions {
  supabaseUrl: string;
  keys: Pick<ApiKeys, "databaseKey" | "databaseKeyKind">;
  fetch?: typeof fetch;
}

/**
 * The headers the gateway expects. A secret key goes in `apikey` only: the gateway checks it and
 * hands PostgREST a short-lived service_role JWT of its own. The legacy key is itself that JWT, so
 * it also goes in `Authorization` (as supabase-js sends it).
 */
export function databaseHeaders(keys: DatabaseClientOptions["keys"]): Record<string, string> {
  return keys.databaseKeyKind === "secret_key"
    ? { apikey: keys.databaseKey }
    : { apikey: keys.databaseKey, authorization: `Bearer ${keys.databaseKey}` };
}

export function createDatabaseClient(options: DatabaseClientOptions): RpcClient {
  const rest = new PostgrestClient(`${options.supabaseUrl.replace(/\/+$/, "")}/rest/v1`, {
    headers: databaseHeaders(options.keys),
    fetch: options.fetch,
  });
  return { rpc: (fn, args) => rest.rpc(fn, args) };
}
