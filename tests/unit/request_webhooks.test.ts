import assert from "node:assert/strict";
import { BadRequest, interpretBody } from "../../supabase/functions/balance-sync/http/request.ts";

Deno.test('request: {"webhooks": true} is a webhook run; anything else with "webhooks" is refused', () => {
  assert.deepEqual(interpretBody({ webhooks: true }, { maxIds: 10 }), { kind: "webhooks" });
  for (
    const body of [{ webhooks: false }, { webhooks: "yes" }, { webhooks: true, scheduled: true }]
  ) {
    assert.throws(() => interpretBody(body, { maxIds: 10 }), BadRequest, JSON.stringify(body));
  }
});
