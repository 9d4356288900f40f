import assert from "node:assert/strict";
import { Webhook } from "standardwebhooks";
import { sendBatch } from "../../supabase/functions/balance-sync/webhooks/delivery.ts";
import type { WebhookBatch } from "../../supabase/functions/balance-sync/webhooks/store.ts";

const SECRET = `whsec_${btoa("0123456789abcdef0123456789abcdef")}`;
const batch = (over: Partial<WebhookBatch> = {}): WebhookBatch => ({
  webhookId: "msg_e_0_3",
  url: "https://hooks.example.com/x",
  secret: SECRET,
  secretName: "hook_key",
  count: 1,
  body: '{"data":{"changes":[{"id":1,"new_raw":"1"}]}}',
  allowHttp: false,
  allowPrivate: false,
  timeoutMs: 1000,
  ...over,
});
const publicDns = { resolve: () => Promise.resolve(["93.184.216.34"]) };

Deno.test("webhook send: headers per Standard Webhooks, verifiable by the library, redirects not followed", async () => {
  let seen: RequestInit | undefined;
  const fetch = ((_url: string, init: RequestInit) => {
    seen = init;
    return Promise.resolve(new Response(null, { status: 204 }));
  }) as typeof globalThis.fetch;
  const answer = await sendBatch(batch(), { ...publicDns, fetch });
  assert.deepEqual(answer, { status: 204, error: null, result: "success" });
  const headers = seen!.headers as Record<string, string>;
  assert.equal(headers["webhook-id"], "msg_e_0_3");
  assert.match(headers["webhook-signature"], /^v1,[A-Za-z0-9+/=]+$/);
  assert.equal(seen!.redirect, "manual");
  assert.doesNotThrow(() => new Webhook(SECRET).verify(String(seen!.body), headers));
});

Deno.test("webhook send: non-2xx, no answer, refused address and missing secret are failures that never show the secret", async () => {
  const status = (s: number) =>
    (() => Promise.resolve(new Response(null, { status: s }))) as unknown as typeof fetch;
  assert.deepEqual(await sendBatch(batch(), { ...publicDns, fetch: status(302) }), {
    status: 302,
    error: "HTTP 302",
    result: "http_error",
  });
  const down =
    (() => Promise.reject(new TypeError("connection refused"))) as unknown as typeof fetch;
  const noAnswer = await sendBatch(batch(), { ...publicDns, fetch: down });
  assert.equal(noAnswer.result, "no_answer");
  assert.equal(noAnswer.status, null);
  const never = (() => {
    throw new Error("must not be called");
  }) as unknown as typeof fetch;
  const refused = await sendBatch(batch({ url: "https://169.254.169.254/" }), { fetch: never });
  assert.equal(refused.result, "refused");
  for (const secret of [null, "whsec_!!!"]) {
    const r = await sendBatch(batch({ secret }), { ...publicDns, fetch: never });
    assert.equal(r.result, "refused");
    assert.match(r.error!, /Vault secret hook_key/);
    assert.ok(!r.error!.includes("!!!"));
  }
});
