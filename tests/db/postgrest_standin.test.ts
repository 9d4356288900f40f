import assert from "node:assert/strict";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { sharedCluster, startCluster } from "../../stack/pg.ts";
import { startPostgrest } from "../../stack/standins/postgrest.ts";
import { signJwt, TEST_JWT_SECRET, type TestKeys, testKeys } from "../../stack/jwt.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

const cluster = sharedCluster();
let databases = 0;

interface Api {
  url: string;
  keys: TestKeys;
  /** A client with the service_role key. */
  service: SupabaseClient;
}

/** A fresh migrated database behind a fresh stand-in, on the module's one cluster. */
async function withApi(fn: (api: Api) => Promise<void>): Promise<void> {
  const pg = await cluster();
  const name = `api_${++databases}`;
  const db = await pg.createDatabase(name, { migrate: true });
  const admin = pg.connect(name);
  await admin.unsafe(`
    create function public.echo_types(p_n int, p_ids uuid[], p_doc jsonb, p_big numeric)
      returns jsonb language sql as $$
        select jsonb_build_object('n', p_n + 1, 'ids', to_jsonb(p_ids), 'doc', p_doc,
                                  'big', (p_big + 1)::text) $$;
    create function public.two_rows() returns table (k int, v text) language sql
      as $$ values (1, 'a'), (2, 'b') $$;
    create function public.fail_with_hint() returns int language plpgsql as $$
      begin raise exception 'bad input' using detail = 'the detail', hint = 'the hint'; end $$;
    create function public.numbers(p_n int) returns setof int language sql
      as $$ select generate_series(1, p_n) $$;
    create function public.sleep_for(p_seconds float8) returns text language sql
      as $$ select pg_sleep(p_seconds)::text || current_setting('statement_timeout') $$;
    grant execute on function public.echo_types, public.two_rows, public.fail_with_hint,
      public.numbers, public.sleep_for to anon, authenticated, service_role;`);
  await admin.end();
  const api = await startPostgrest({ databaseUrl: db, jwtSecret: TEST_JWT_SECRET });
  try {
    const keys = await testKeys();
    await fn({ url: api.url, keys, service: createClient(api.url, keys.serviceRoleKey) });
  } finally {
    await api.stop();
  }
}

/** A test of its own database and stand-in. */
function apiTest(name: string, fn: (api: Api) => Promise<void>): void {
  Deno.test(name, opts, () => withApi(fn));
}

apiTest(
  "PostgREST stand-in: service_role may call the contract, anon and authenticated get a permission error",
  async ({ url, keys, service }) => {
    const args = { p_worker: "w-1", p_ids: [] };

    const ok = await service.rpc("balance_sync_release", args);
    assert.equal(ok.error, null);
    assert.equal(ok.data, 0);

    const anon = await createClient(url, keys.anonKey).rpc("balance_sync_release", args);
    assert.equal(anon.status, 401);
    assert.equal(anon.error?.code, "42501");
    assert.match(
      anon.error?.message ?? "",
      /permission denied for function balance_sync_release/,
    );

    const user = createClient(url, keys.anonKey, {
      global: { headers: { Authorization: `Bearer ${keys.userToken}` } },
    });
    const denied = await user.rpc("balance_sync_claim", { p_worker: "w-1" });
    assert.equal(denied.status, 403);
    assert.equal(denied.error?.code, "42501");
  },
);

apiTest(
  "PostgREST stand-in: named JSON arguments arrive as typed SQL arguments",
  async ({ service }) => {
    const ids = ["6f1c1c70-1111-4d7e-9c1d-000000000001", "6f1c1c70-1111-4d7e-9c1d-000000000002"];
    const big = (2n ** 256n - 2n).toString();
    const { data, error } = await service.rpc("echo_types", {
      p_n: 41,
      p_ids: ids,
      p_doc: { nested: [1, "two"] },
      p_big: big,
    });
    assert.equal(error, null);
    assert.deepEqual(data, {
      n: 42,
      ids,
      doc: { nested: [1, "two"] },
      big: (2n ** 256n - 1n).toString(),
    });

    const rows = await service.rpc("two_rows");
    assert.deepEqual(rows.data, [{ k: 1, v: "a" }, { k: 2, v: "b" }]);
  },
);

apiTest(
  "PostgREST stand-in: errors carry code, message, details and hint with PostgREST statuses",
  async ({ service }) => {
    const raised = await service.rpc("fail_with_hint");
    assert.equal(raised.status, 400);
    assert.deepEqual(raised.error, {
      code: "P0001",
      message: "bad input",
      details: "the detail",
      hint: "the hint",
    });

    const missing = await service.rpc("no_such_function", { a: 1 });
    assert.equal(missing.status, 404);
    assert.equal(missing.error?.code, "PGRST202");

    const badType = await service.rpc("echo_types", {
      p_n: "not a number",
      p_ids: [],
      p_doc: {},
      p_big: "1",
    });
    assert.equal(badType.status, 400);
    assert.equal(badType.error?.code, "22P02");
  },
);

apiTest("PostgREST stand-in: a missing, forged or expired JWT is refused", async ({ url }) => {
  const call = (headers: Record<string, string>) =>
    fetch(`${url}/rest/v1/rpc/two_rows`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: "{}",
    }).then(async (r) => ({ status: r.status, body: await r.json() }));

  const none = await call({});
  assert.equal(none.status, 401);

  const forged = await signJwt({ role: "service_role" }, "some-other-secret-of-enough-length!!");
  const bad = await call({ authorization: `Bearer ${forged}` });
  assert.equal(bad.status, 401);
  assert.equal(bad.body.code, "PGRST301");

  const expiredToken = await signJwt(
    { role: "service_role", exp: Math.floor(Date.now() / 1000) - 60 },
    TEST_JWT_SECRET,
  );
  const expired = await call({ authorization: `Bearer ${expiredToken}` });
  assert.equal(expired.status, 401);
  assert.equal(expired.body.code, "PGRST303");

  const garbage = await call({ authorization: "Bearer not.a.jwt" });
  assert.equal(garbage.status, 401);
});

Deno.test("PostgREST stand-in: a stopped database gives 503", opts, async () => {
  const cluster = await startCluster();
  let stopped = false;
  try {
    const db = await cluster.createDatabase("gone");
    const api = await startPostgrest({ databaseUrl: db, jwtSecret: TEST_JWT_SECRET });
    try {
      await cluster.stop();
      stopped = true;
      const keys = await testKeys();
      const { status, error } = await createClient(api.url, keys.serviceRoleKey).rpc("x");
      assert.equal(status, 503);
      assert.equal(error?.code, "PGRST000");
    } finally {
      await api.stop();
    }
  } finally {
    if (!stopped) await cluster.stop();
  }
});

apiTest(
  "PostgREST stand-in: db-max-rows (1,000, as hosted) caps a set-returning call silently, and the change log refuses a larger page",
  async ({ service }) => {
    const small = await service.rpc("numbers", { p_n: 999 });
    assert.equal(small.data.length, 999);
    const capped = await service.rpc("numbers", { p_n: 1500 });
    assert.equal(capped.error, null);
    assert.equal(capped.data.length, 1000, "cut at db-max-rows without an error");
    assert.deepEqual([capped.data[0], capped.data[999]], [1, 1000]);

    const page = await service.rpc("balance_sync_changes_since", {
      p_after_id: 0,
      p_limit: 1001,
    });
    assert.equal(page.status, 400);
    assert.match(page.error?.message ?? "", /p_limit must be 1\.\.1000, got 1001/);
    assert.match(page.error?.hint ?? "", /db-max-rows/);
    const full = await service.rpc("balance_sync_changes_since", {
      p_after_id: 0,
      p_limit: 1000,
    });
    assert.equal(full.error, null);
  },
);

apiTest(
  "PostgREST stand-in: requests run under hosted Supabase's role timeouts (authenticator 8 s, which service_role keeps; anon 3 s)",
  async ({ url, keys, service }) => {
    const serviceCall = await service.rpc("sleep_for", { p_seconds: 0 });
    assert.equal(serviceCall.error, null);
    assert.equal(serviceCall.data, "8s", "service_role keeps authenticator's 8 s");
    const anonFast = await createClient(url, keys.anonKey).rpc("sleep_for", { p_seconds: 0 });
    assert.equal(anonFast.data, "3s");
    const anonSlow = await createClient(url, keys.anonKey).rpc("sleep_for", { p_seconds: 3.5 });
    assert.equal(anonSlow.error?.code, "57014", JSON.stringify(anonSlow.error));
    assert.match(anonSlow.error?.message ?? "", /statement timeout/);
  },
);
