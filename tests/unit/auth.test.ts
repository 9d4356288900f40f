import assert from "node:assert/strict";
import {
  bearerToken,
  createAuthenticator,
  SYNC_SECRET_HEADER,
} from "../../supabase/functions/balance-sync/http/auth.ts";

const SERVICE_ROLE = "eyJhbGciOiJIUzI1NiJ9.service-role.signature";
const ANON = "eyJhbGciOiJIUzI1NiJ9.anon.signature";
const SECRET_A = "sb_secret_aaaaaaaaaaaaaaaaaaaa";
const SECRET_B = "sb_secret_bbbbbbbbbbbbbbbbbbbb";
const SYNC = "cron-sync-secret-0123456789";

const authenticator = () =>
  createAuthenticator({
    serviceRoleKey: SERVICE_ROLE,
    secretKeys: [SECRET_A, SECRET_B],
    syncSecret: SYNC,
  });

Deno.test("authenticate() accepts each configured credential in its header", async () => {
  const auth = await authenticator();
  const cases: [Record<string, string>, string][] = [
    [{ authorization: `Bearer ${SERVICE_ROLE}` }, "service_role"],
    [{ authorization: `bearer ${SERVICE_ROLE}` }, "service_role"],
    [{ apikey: SERVICE_ROLE }, "service_role"],
    [{ apikey: SECRET_A }, "secret_key"],
    [{ apikey: SECRET_B }, "secret_key"],
    [{ [SYNC_SECRET_HEADER]: SYNC }, "sync_secret"],
    // supabase-js sends its key in both headers.
    [{ apikey: SECRET_A, authorization: `Bearer ${SECRET_A}` }, "secret_key"],
  ];
  for (const [headers, kind] of cases) {
    assert.equal(await auth(new Headers(headers)), kind, JSON.stringify(Object.keys(headers)));
  }
});

Deno.test("authenticate() refuses everything else, the anon key included", async () => {
  const auth = await authenticator();
  const refused: Record<string, string>[] = [
    {},
    { authorization: `Bearer ${ANON}` },
    { apikey: ANON },
    { authorization: `Bearer ${ANON}`, apikey: ANON },
    { authorization: "Bearer wrong" },
    { authorization: `Bearer ${SERVICE_ROLE.slice(0, -1)}x` },
    { authorization: `Bearer ${SERVICE_ROLE}x` },
    { authorization: `Bearer ${SERVICE_ROLE.slice(0, -1)}` },
    { authorization: SERVICE_ROLE },
    { authorization: `Basic ${SERVICE_ROLE}` },
    { authorization: `Bearer ${SERVICE_ROLE} extra` },
    { authorization: "Bearer" },
    { authorization: "Bearer " },
    // A secret key is an apikey, not a bearer token.
    { authorization: `Bearer ${SECRET_A}` },
    { apikey: "" },
    { apikey: SYNC },
    { [SYNC_SECRET_HEADER]: SERVICE_ROLE },
    { [SYNC_SECRET_HEADER]: `${SYNC.slice(0, -1)}0` },
    { [SYNC_SECRET_HEADER]: "" },
    { "x-api-key": SECRET_A },
    { apikey: "sb_publishable_aaaaaaaaaaaaaaaaaaaa" },
  ];
  for (const headers of refused) {
    assert.equal(await auth(new Headers(headers)), null, JSON.stringify(headers));
  }
});

Deno.test("authenticate() without a configured sync secret never accepts that header", async () => {
  const auth = await createAuthenticator({
    serviceRoleKey: SERVICE_ROLE,
    secretKeys: [],
    syncSecret: null,
  });
  assert.equal(await auth(new Headers({ [SYNC_SECRET_HEADER]: "" })), null);
  assert.equal(await auth(new Headers({ [SYNC_SECRET_HEADER]: "null" })), null);
  assert.equal(await auth(new Headers({ apikey: SECRET_A })), null);
});

Deno.test("bearerToken() takes exactly one token after the Bearer scheme", () => {
  assert.equal(bearerToken("Bearer abc"), "abc");
  assert.equal(bearerToken("  BEARER abc  "), "abc");
  assert.equal(bearerToken("Bearer a b"), null);
  assert.equal(bearerToken("Bearerabc"), null);
  assert.equal(bearerToken("Token abc"), null);
  assert.equal(bearerToken(null), null);
});
