import assert from "node:assert/strict";
import { HttpRequestError, InternalRpcError, RpcRequestError, TimeoutError } from "viem";
import {
  classifyRpcFailure,
  executionFailure,
  isExecutionError,
  isGasRefusal,
  RetryAfterTooLongError,
} from "../../../supabase/functions/balance-sync/chains/evm/errors.ts";

const SECRET_URL = "https://eth.example.com/v2/abcdefghijklmnopqrstuvwxyz123456";
const redact = () => "https://eth.example.com/v2/***";
const classify = (error: unknown) => classifyRpcFailure(error, redact, 1234);
const body = { method: "eth_call" };
/** A JSON-RPC error answer, as viem throws it. */
const rpc = (code: number, message: string, data?: unknown) =>
  new RpcRequestError({ url: SECRET_URL, body, error: { code, message, data } });

Deno.test("classifyRpcFailure(): HTTP 429/403/503/5xx are transient with status and Retry-After", () => {
  for (const status of [403, 408, 429, 500, 502, 503, 504]) {
    const error = classify(
      new HttpRequestError({
        url: SECRET_URL,
        status,
        body,
        headers: new Headers({ "retry-after": "3" }),
      }),
    );
    assert.equal(error.errorClass, "transient", String(status));
    assert.equal(error.data.status, status);
    assert.equal(error.data.retryAfterSeconds, 3);
    assert.equal(error.data.url, "https://eth.example.com/v2/***");
    assert.doesNotMatch(error.message, /abcdefghij/);
  }
});

Deno.test("classifyRpcFailure(): HTTP 401, 404 and 400 mean the chain row is wrong", () => {
  for (const status of [400, 401, 404]) {
    assert.equal(
      classify(new HttpRequestError({ url: SECRET_URL, status, body })).errorClass,
      "configuration",
    );
  }
});

Deno.test("classifyRpcFailure(): network errors and timeouts are transient", () => {
  const network = classify(
    new HttpRequestError({ url: SECRET_URL, body, cause: new TypeError("connection refused") }),
  );
  assert.equal(network.errorClass, "transient");
  assert.match(network.message, /network error reaching .*\*\*\*: connection refused/);
  const timeout = classify(new TimeoutError({ url: SECRET_URL, body }));
  assert.equal(timeout.errorClass, "transient");
  assert.match(timeout.message, /no answer within 1234 ms/);
});

Deno.test("classifyRpcFailure(): JSON-RPC errors by code", () => {
  const limited = classify(new InternalRpcError(rpc(-32005, "rate limited")));
  assert.equal(limited.errorClass, "transient");
  assert.equal(limited.data.rpcCode, -32005);
  assert.equal(classify(rpc(-32000, "header not found")).errorClass, "transient");
  assert.equal(
    classify(rpc(-32601, "the method eth_call does not exist")).errorClass,
    "configuration",
  );
  assert.equal(classify(rpc(3, "execution reverted")).errorClass, "permanent");
  const overHttp = new RpcRequestError({
    url: SECRET_URL,
    body,
    status: 429,
    error: { code: -32005, message: "too many" },
  });
  assert.equal(classify(overHttp).errorClass, "transient");
  assert.equal(classify(overHttp).data.status, 429);
});

Deno.test("isExecutionError() and executionFailure() recognise reverts and decode the reason", () => {
  const reason =
    "0x08c379a0000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000046e6f706500000000000000000000000000000000000000000000000000000000";
  const revert = rpc(3, "execution reverted: nope", reason);
  assert.ok(isExecutionError(revert));
  assert.equal(executionFailure(revert).message, "nope");
  const oog = rpc(-32000, "out of gas");
  assert.ok(isExecutionError(oog));
  assert.equal(executionFailure(oog).message, "out of gas");
  const behind = rpc(-32000, "header not found");
  assert.ok(!isExecutionError(behind));
  assert.ok(!isExecutionError(new HttpRequestError({ url: SECRET_URL, status: 500, body })));
});

Deno.test("classifyRpcFailure(): a Retry-After beyond the cap and an abort are transient", () => {
  const tooLong = classify(new RetryAfterTooLongError(429, 90, "https://eth.example.com/v2/***"));
  assert.equal(tooLong.errorClass, "transient");
  assert.deepEqual(tooLong.data, {
    status: 429,
    retryAfterSeconds: 90,
    url: "https://eth.example.com/v2/***",
  });
  const aborted = classify(new DOMException("aborted", "AbortError"));
  assert.equal(aborted.errorClass, "transient");
  assert.equal(classify("weird").errorClass, "transient");
});

Deno.test("isGasRefusal(): every way a node says the call ran out of gas, and nothing else", () => {
  for (
    const message of [
      "EVM error OutOfGas",
      "EVM error MemoryOOG",
      "EVM error MemoryLimitOOG",
      "EVM error PrecompileOOG",
      "EVM error InvalidOperandOOG",
      "out of gas",
      "intrinsic gas too high -- CallGasCostMoreThanGasLimit",
      "gas required exceeds allowance (1000000)",
    ]
  ) {
    const error = rpc(-32603, message);
    assert.ok(isGasRefusal(error), message);
    if (/OOG|OutOfGas/.test(message)) {
      assert.ok(isExecutionError(error), `${message}: the same call fails again anywhere`);
    }
  }
  for (const message of ["header not found", "rate limited", "Google says no", "boog"]) {
    assert.ok(!isGasRefusal(rpc(-32603, message)), message);
  }
  assert.ok(!isExecutionError(rpc(-32603, "Google says no")));
  const proxied = new RpcRequestError({
    url: SECRET_URL,
    body,
    error: { code: -32603, message: "EVM error MemoryOOG" },
    status: 502,
  });
  assert.ok(!isGasRefusal(proxied), "an HTTP error status is an outage, not the EVM");
});
