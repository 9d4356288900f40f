/**
 * The PostgREST stand-in's API gateway part, driven by the real supabase-js: the new API keys
 * (`sb_secret_...` as service_role, `sb_publishable_...` as anon) and a project that disabled its
 * legacy JWT keys, which the hosted gateway refuses with 401 "Legacy API keys are disabled".
 */
import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import { sharedCluster } from "../../stack/pg.ts";
import { startPostgrest } from "../../stack/standins/postgrest.ts";
import { TEST_JWT_SECRET, testKeys } from "../../stack/jwt.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const cluster = sharedCluster();
const SECRET = "sb_secret_standin0123456789abcdef";
const PUBLISHABLE = "sb_publishable_standin0123456789ab";
const args = { p_worker: "w-keys", p_ids: [] };

async function withApi(
  legacyKeysDisabled: boolean,
  fn: (url: string) => Promise<void>,
): Promise<void> {
  const pg = await cluster();
  const db = await pg.createDatabase(`keys_${legacyKeysDisabled ? "off" : "on"}`, {
    migrate: true,
  });
  const api = await startPostgrest({
    databaseUrl: db,
    jwtSecret: TEST_JWT_SECRET,
    apiKeys: { secret: [SECRET], publishable: [PUBLISHABLE] },
    legacyKeysDisabled,
  });
  try {
    await fn(api.url);
  } finally {
    await api.stop();
  }
}

Deno.test(
  "PostgREST stand-in: a secret key runs as service_role, a publishable key as anon, an unknown new key is refused",
  opts,
  async () => {
    await withApi(false, async (url) => {
      const service = await createClient(url, SECRET).rpc("balance_sync_release", args);
      assert.equal(service.error, null);
      assert.equal(service.data, 0);

      const anon = await createClient(url, PUBLISHABLE).rpc("balance_sync_release", args);
      assert.equal(anon.status, 401);
      assert.equal(anon.error?.code, "42501", "anon has no execute privilege");

      const unknown = await createClient(url, "sb_secret_not_a_key_of_this_project")
        .rpc("balance_sync_release", args);
      assert.equal(unknown.status, 401);
      assert.equal(unknown.error?.message, "Invalid API key");

      const keys = await testKeys();
      const legacy = await createClient(url, keys.serviceRoleKey).rpc("balance_sync_release", args);
      assert.equal(legacy.error, null, "legacy keys work while they are enabled");
    });
  },
);

Deno.test(
  "PostgREST stand-in: with legacy keys disabled the old JWTs are refused in either header as hosted does; new keys and user sessions pass",
  opts,
  async () => {
    await withApi(true, async (url) => {
      const keys = await testKeys();
      for (const key of [keys.serviceRoleKey, keys.anonKey]) {
        const refused = await createClient(url, key).rpc("balance_sync_release", args);
        assert.equal(refused.status, 401);
        assert.equal(refused.error?.message, "Legacy API keys are disabled");
        assert.match(
          String((refused.error as { hint?: string } | null)?.hint),
          /^Your legacy API keys \(anon, service_role\) were disabled on .+ use the new publishable and secret API keys\.$/,
        );
      }
      const asBearer = await createClient(url, SECRET, {
        global: { headers: { Authorization: `Bearer ${keys.serviceRoleKey}` } },
      }).rpc("balance_sync_release", args);
      assert.equal(asBearer.status, 401, "a legacy JWT as bearer next to a new apikey");
      assert.equal(asBearer.error?.message, "Legacy API keys are disabled");

      const service = await createClient(url, SECRET).rpc("balance_sync_release", args);
      assert.equal(service.error, null);

      const user = await createClient(url, PUBLISHABLE, {
        global: { headers: { Authorization: `Bearer ${keys.userToken}` } },
      }).rpc("balance_sync_claim", { p_worker: "w-keys" });
      assert.equal(user.status, 403, "a user's JWT is no legacy key: it reaches PostgreSQL");
      assert.equal(user.error?.code, "42501");
    });
  },
);
