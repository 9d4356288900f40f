/** Which key the database client sends, and which legacy keys a caller may still present. */
import assert from "node:assert/strict";
import { loadConfig } from "../../supabase/functions/balance-sync/config.ts";
import { ConfigError } from "../../supabase/functions/balance-sync/config_error.ts";
import { createDatabaseClient } from "../../supabase/functions/balance-sync/db/client.ts";
import { createAuthenticator } from "../../supabase/functions/balance-sync/http/auth.ts";

const LEGACY = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2lnbmF0dXJl";
const DEFAULT_KEY = "sb_secret_default0123456789abcdef";
const OTHER_KEY = "sb_secret_other0123456789abcdefgh";

const envOf = (vars: Record<string, string | undefined>) => {
  const all: Record<string, string | undefined> = { SUPABASE_URL: "http://127.0.0.1:1", ...vars };
  return (name: string) => all[name];
};

function configError(vars: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(envOf(vars));
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail("loadConfig accepted the configuration");
}

Deno.test("keys: the database client takes the `default` secret key over the legacy service-role JWT", () => {
  const config = loadConfig(envOf({
    SUPABASE_SERVICE_ROLE_KEY: LEGACY,
    SUPABASE_SECRET_KEYS: JSON.stringify({ other: OTHER_KEY, default: DEFAULT_KEY }),
  }));
  assert.equal(config.databaseKey, DEFAULT_KEY);
  assert.equal(config.databaseKeyKind, "secret_key");
  assert.deepEqual(config.secretKeys.toSorted(), [DEFAULT_KEY, OTHER_KEY].toSorted());
  assert.equal(config.refuseLegacyKeys, false);
});

Deno.test("keys: BALANCE_SYNC_SECRET_KEY_NAME picks another secret key; an unknown name is refused, never replaced by the JWT", () => {
  const keys = JSON.stringify({ default: DEFAULT_KEY, sync: OTHER_KEY });
  const config = loadConfig(envOf({
    SUPABASE_SECRET_KEYS: keys,
    BALANCE_SYNC_SECRET_KEY_NAME: "sync",
  }));
  assert.equal(config.databaseKey, OTHER_KEY);

  const unknown = configError({
    SUPABASE_SERVICE_ROLE_KEY: LEGACY,
    SUPABASE_SECRET_KEYS: keys,
    BALANCE_SYNC_SECRET_KEY_NAME: "nope",
  });
  assert.equal(unknown.variable, "BALANCE_SYNC_SECRET_KEY_NAME");
  assert.match(unknown.message, /no key named "nope" \(names: default, sync\)/);

  const noDefault = configError({ SUPABASE_SECRET_KEYS: JSON.stringify({ sync: OTHER_KEY }) });
  assert.equal(noDefault.variable, "SUPABASE_SECRET_KEYS");
  assert.match(noDefault.message, /no key named "default".*BALANCE_SYNC_SECRET_KEY_NAME/);
  for (const error of [unknown, noDefault]) {
    assert.ok(!error.message.includes("sb_secret_"), "a key's value is never in the message");
  }
});

Deno.test("keys: without any secret key the legacy service-role JWT is the fallback", () => {
  for (const secretKeys of [undefined, "", "{}"]) {
    const config = loadConfig(envOf({
      SUPABASE_SERVICE_ROLE_KEY: LEGACY,
      SUPABASE_SECRET_KEYS: secretKeys,
    }));
    assert.equal(config.databaseKey, LEGACY);
    assert.equal(config.databaseKeyKind, "service_role");
  }
});

Deno.test("keys: SUPABASE_SERVICE_ROLE_KEY is optional; neither key is a configuration error naming both", () => {
  const config = loadConfig(
    envOf({ SUPABASE_SECRET_KEYS: JSON.stringify({ default: DEFAULT_KEY }) }),
  );
  assert.equal(config.serviceRoleKey, null);
  assert.equal(config.databaseKey, DEFAULT_KEY);

  const neither = configError({ SUPABASE_SERVICE_ROLE_KEY: " ", SUPABASE_SECRET_KEYS: "{}" });
  assert.match(neither.message, /SUPABASE_SECRET_KEYS/);
  assert.match(neither.message, /SUPABASE_SERVICE_ROLE_KEY/);
});

Deno.test("keys: SUPABASE_SECRET_KEYS must be a JSON object of non-empty strings", () => {
  for (const raw of ["sb_secret_x", "[]", "null", JSON.stringify({ default: "" })]) {
    assert.equal(configError({ SUPABASE_SECRET_KEYS: raw }).variable, "SUPABASE_SECRET_KEYS");
  }
});

Deno.test("keys: BALANCE_SYNC_REFUSE_LEGACY_KEYS never lets the JWT reach the database and needs a secret key", () => {
  const error = configError({
    SUPABASE_SERVICE_ROLE_KEY: LEGACY,
    BALANCE_SYNC_REFUSE_LEGACY_KEYS: "true",
  });
  assert.equal(error.variable, "SUPABASE_SECRET_KEYS");
  assert.match(error.message, /BALANCE_SYNC_REFUSE_LEGACY_KEYS/);
  assert.equal(
    configError({ BALANCE_SYNC_REFUSE_LEGACY_KEYS: "maybe" }).variable,
    "BALANCE_SYNC_REFUSE_LEGACY_KEYS",
  );
  const config = loadConfig(envOf({
    SUPABASE_SERVICE_ROLE_KEY: LEGACY,
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: DEFAULT_KEY }),
    BALANCE_SYNC_REFUSE_LEGACY_KEYS: "TRUE",
  }));
  assert.equal(config.refuseLegacyKeys, true);
  assert.equal(config.databaseKey, DEFAULT_KEY);
});

Deno.test("keys: with the switch on, the service-role JWT is no caller credential in any header; secret keys still are", async () => {
  const secrets = { serviceRoleKey: LEGACY, secretKeys: [DEFAULT_KEY], syncSecret: null };
  const accepting = await createAuthenticator(secrets);
  const refusing = await createAuthenticator({ ...secrets, refuseLegacyKeys: true });
  const asBearer = new Headers({ authorization: `Bearer ${LEGACY}` });
  const asApikey = new Headers({ apikey: LEGACY });
  assert.equal(await accepting(asBearer), "service_role");
  assert.equal(await accepting(asApikey), "service_role");
  assert.equal(await refusing(asBearer), null);
  assert.equal(await refusing(asApikey), null);
  assert.equal(await refusing(new Headers({ apikey: DEFAULT_KEY })), "secret_key");
});

Deno.test("keys: without SUPABASE_SERVICE_ROLE_KEY an empty bearer or apikey matches nothing", async () => {
  const authenticate = await createAuthenticator({
    serviceRoleKey: null,
    secretKeys: [DEFAULT_KEY],
    syncSecret: null,
  });
  assert.equal(await authenticate(new Headers({ authorization: "Bearer ", apikey: "" })), null);
  assert.equal(await authenticate(new Headers()), null);
});

Deno.test("keys: the database client sends a secret key in apikey only, the legacy JWT in apikey and as bearer", async () => {
  const seen: { url: string; headers: Headers }[] = [];
  const fakeFetch: typeof fetch = (input, init) => {
    seen.push({ url: String(input), headers: new Headers(init?.headers) });
    return Promise.resolve(Response.json("ok"));
  };
  for (
    const keys of [
      { databaseKey: DEFAULT_KEY, databaseKeyKind: "secret_key" as const },
      { databaseKey: LEGACY, databaseKeyKind: "service_role" as const },
    ]
  ) {
    const client = createDatabaseClient({
      supabaseUrl: "http://api.test/",
      keys,
      fetch: fakeFetch,
    });
    const answer = await client.rpc("balance_sync_metrics", {});
    assert.equal(answer.data, "ok");
  }
  assert.equal(seen[0].url, "http://api.test/rest/v1/rpc/balance_sync_metrics");
  assert.equal(seen[0].headers.get("apikey"), DEFAULT_KEY);
  assert.equal(seen[0].headers.get("authorization"), null);
  assert.equal(seen[1].headers.get("apikey"), LEGACY);
  assert.equal(seen[1].headers.get("authorization"), `Bearer ${LEGACY}`);
});
