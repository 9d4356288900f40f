import assert from "node:assert/strict";
import {
  networkCause,
  parseRetryAfter,
  redactUrl,
} from "../../../supabase/functions/balance-sync/chains/errors.ts";

Deno.test("redactUrl() removes credentials, query strings and key-like path segments", () => {
  assert.equal(
    redactUrl("https://user:pw@mainnet.infura.io/v3/9aa3d95b3bc440fa88ea12eaa4456161?x=1"),
    "https://mainnet.infura.io/v3/***",
  );
  assert.equal(
    redactUrl("https://eth-mainnet.g.alchemy.com/v2/AbCdEf0123456789AbCdEf0123456789"),
    "https://eth-mainnet.g.alchemy.com/v2/***",
  );
});

Deno.test("redactUrl() keeps endpoint paths that are words, not keys", () => {
  assert.equal(
    redactUrl("https://api.trongrid.io/wallet/triggerconstantcontract"),
    "https://api.trongrid.io/wallet/triggerconstantcontract",
  );
  assert.equal(redactUrl("http://127.0.0.1:8545"), "http://127.0.0.1:8545");
});

Deno.test("redactUrl() answers a placeholder for text that is not a URL", () => {
  assert.equal(redactUrl("not a url"), "<invalid url>");
});

Deno.test("networkCause() names the innermost reason of a failed fetch, without the URL's key", () => {
  const inner = new Error(
    "error sending request for url (https://rpc.example/v3/9aa3d95b3bc440fa88ea12eaa4456161): " +
      "client error (Connect): tcp connect error: Connection refused (os error 111)",
  );
  const outer = new TypeError("fetch failed", { cause: inner });
  assert.equal(
    networkCause(outer),
    "client error (Connect): tcp connect error: Connection refused (os error 111)",
  );
  assert.equal(
    networkCause(
      new Error("dns error for https://rpc.example/v3/9aa3d95b3bc440fa88ea12eaa4456161"),
    ),
    "dns error for https://rpc.example/v3/***",
  );
});

Deno.test("parseRetryAfter() takes whole delta-seconds or an HTTP date rounded up, never below 0", () => {
  assert.equal(parseRetryAfter("7"), 7);
  assert.equal(parseRetryAfter(" 0 "), 0);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now), 30);
  assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:03 GMT", now - 500), 4);
  assert.equal(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now), 0);
  for (const unusable of ["1.5", "-3", "soon", "", null, undefined]) {
    assert.equal(parseRetryAfter(unusable), undefined, String(unusable));
  }
});
