import assert from "node:assert/strict";
import {
  MAX_ONE_BLOCK_BYTES,
  sha256Block,
} from "../../../supabase/functions/balance-sync/chains/tron/sha256_block.ts";

const webCrypto = async (data: Uint8Array<ArrayBuffer>) =>
  new Uint8Array(await crypto.subtle.digest("SHA-256", data));

Deno.test("sha256Block() equals WebCrypto's SHA-256 for every length 0..55, random and all-0xff", async () => {
  for (let length = 0; length <= MAX_ONE_BLOCK_BYTES; length++) {
    for (
      const data of [
        crypto.getRandomValues(new Uint8Array(length)),
        new Uint8Array(length).fill(0xff),
      ]
    ) {
      assert.deepEqual(sha256Block(data), await webCrypto(data), `length ${length}`);
    }
  }
});

Deno.test("sha256Block() gives the published digest of the empty message and of 'abc'", () => {
  const hex = (bytes: Uint8Array) =>
    [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  assert.equal(
    hex(sha256Block(new Uint8Array())),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assert.equal(
    hex(sha256Block(new TextEncoder().encode("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("sha256Block() keeps no state between calls and refuses a message over one block", async () => {
  const long = crypto.getRandomValues(new Uint8Array(55));
  const short = crypto.getRandomValues(new Uint8Array(3));
  sha256Block(long);
  assert.deepEqual(sha256Block(short), await webCrypto(short));
  assert.throws(() => sha256Block(new Uint8Array(56)), RangeError);
});
