import assert from "node:assert/strict";
import {
  decodeHexMessage,
  suspensionSeconds,
  topLevelIntegerText,
} from "../../../supabase/functions/balance-sync/chains/tron/json.ts";
import {
  interpretTrigger,
  uint256Return,
} from "../../../supabase/functions/balance-sync/chains/tron/trigger.ts";

const hex = (text: string) =>
  [...new TextEncoder().encode(text)].map((b) => b.toString(16).padStart(2, "0")).join("");

Deno.test("topLevelIntegerText() keeps every digit of a balance above 2^53", () => {
  const text = '{"address":"41aa","balance":9007199254740993,"create_time":1}';
  assert.equal(JSON.parse(text).balance, 9007199254740992); // what JSON.parse makes of it
  assert.equal(topLevelIntegerText(text, "balance"), "9007199254740993");
  assert.equal(
    topLevelIntegerText('{"balance":9223372036854775807}', "balance"),
    "9223372036854775807",
  );
});

Deno.test("topLevelIntegerText() ignores nested keys of the same name and keys inside strings", () => {
  const text = JSON.stringify({
    account_name: '"balance":5',
    frozen: [{ balance: 7 }],
    account_resource: { balance: 8, frozen_balance_for_energy: { frozen_balance: 9 } },
  }).replace(/}$/, ',"balance":  42 }');
  assert.equal(topLevelIntegerText(text, "balance"), "42");
  assert.equal(topLevelIntegerText('{"frozen":[{"balance":7}]}', "balance"), undefined);
  assert.equal(topLevelIntegerText('{"key\\"balance":3,"x":{"balance":4}}', "balance"), undefined);
});

Deno.test("topLevelIntegerText() returns undefined for {} and for non-integer values", () => {
  assert.equal(topLevelIntegerText("{}", "balance"), undefined);
  assert.equal(topLevelIntegerText('{"balance":"12"}', "balance"), undefined);
  assert.equal(topLevelIntegerText('{"balance":1.5}', "balance"), undefined);
  assert.equal(topLevelIntegerText('{"balance":1e3}', "balance"), undefined);
});

Deno.test("decodeHexMessage() decodes java-tron's hex messages and leaves plain text alone", () => {
  assert.equal(
    decodeHexMessage(hex("Smart contract is not exist.")),
    "Smart contract is not exist.",
  );
  assert.equal(decodeHexMessage("not hex"), "not hex");
  assert.equal(decodeHexMessage("ff"), "ff"); // not UTF-8
});

Deno.test("suspensionSeconds() reads TronGrid's suspension wordings", () => {
  assert.equal(
    suspensionSeconds(
      "The key exceeds the frequency limit(15), and the query server is suspended for 30s",
    ),
    30,
  );
  assert.equal(
    suspensionSeconds(
      "request rate exceeded the allowed_rps(10), and the query server is suspended for 5 s",
    ),
    5,
  );
  assert.equal(suspensionSeconds("Too Many Requests"), undefined);
});

Deno.test("interpretTrigger() returns the word of a successful call", () => {
  const word = "00".repeat(31) + "2a";
  const answer = interpretTrigger(
    { result: { result: true }, constant_result: [word] },
    "call",
    "/u",
  );
  assert.deepEqual(answer, { ok: true, returnData: word });
});

Deno.test("interpretTrigger() makes CONTRACT_VALIDATE_ERROR permanent with its message decoded", () => {
  const answer = interpretTrigger(
    { result: { code: "CONTRACT_VALIDATE_ERROR", message: hex("Smart contract is not exist.") } },
    "balanceOf",
    "/wallet/triggerconstantcontract",
  );
  assert.equal(answer.ok, false);
  if (answer.ok) return;
  assert.equal(answer.error.errorClass, "permanent");
  assert.equal(answer.error.data.rpcCode, "CONTRACT_VALIDATE_ERROR");
  assert.match(answer.error.message, /Smart contract is not exist\./);
});

Deno.test("interpretTrigger() makes a revert permanent and carries its reason", () => {
  const data = "08c379a0" + "20".padStart(64, "0") + "04".padStart(64, "0") +
    hex("nope").padEnd(64, "0");
  const answer = interpretTrigger(
    { result: { result: true, message: hex("REVERT opcode executed") }, constant_result: [data] },
    "balanceOf",
    "/u",
  );
  assert.equal(answer.ok, false);
  if (answer.ok) return;
  assert.equal(answer.error.errorClass, "permanent");
  assert.match(answer.error.message, /reverted: nope/);
});

Deno.test("interpretTrigger() names a Panic, a custom error or no reason like the EVM reader", () => {
  const revert = (data: string) => {
    const answer = interpretTrigger(
      { result: { result: true, message: hex("REVERT opcode executed") }, constant_result: [data] },
      "balanceOf",
      "/u",
    );
    return answer.ok ? "" : answer.error.message;
  };
  assert.equal(revert("4e487b71" + "11".padStart(64, "0")), "balanceOf reverted: panic 0x11");
  assert.equal(revert("deadbeef"), "balanceOf reverted: custom error 0xdeadbeef");
  assert.equal(revert(""), "balanceOf reverted: no reason given");
});

Deno.test("interpretTrigger() makes a CPU timeout transient and other OTHER_ERRORs permanent", () => {
  const timeout = interpretTrigger(
    {
      result: {
        code: "OTHER_ERROR",
        message: hex("class Program$OutOfTimeException : CPU timeout"),
      },
    },
    "c",
    "/u",
  );
  assert.equal(!timeout.ok && timeout.error.errorClass, "transient");
  const other = interpretTrigger(
    {
      result: { code: "OTHER_ERROR", message: hex("class Program$OutOfEnergyException : x") },
    },
    "c",
    "/u",
  );
  assert.equal(!other.ok && other.error.errorClass, "permanent");
});

Deno.test("uint256Return() rejects empty and wrong-length returns as permanent", () => {
  assert.deepEqual(uint256Return("ff".repeat(32), "b"), { ok: true, value: (1n << 256n) - 1n });
  const empty = uint256Return("", "b");
  assert.equal(!empty.ok && empty.error.errorClass, "permanent");
  assert.match(!empty.ok ? empty.error.message : "", /no data/);
  const short = uint256Return("ab", "b");
  assert.match(!short.ok ? short.error.message : "", /1 bytes instead of one 32-byte word/);
});
