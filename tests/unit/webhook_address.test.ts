import assert from "node:assert/strict";
import {
  addressProblem,
  isBlockedAddress,
} from "../../supabase/functions/balance-sync/webhooks/address.ts";

const strict = { allowHttp: false, allowPrivate: false, resolve: null };

Deno.test("webhook address: loopback, private, link-local, metadata and mapped addresses are blocked; public ones are not", () => {
  for (
    const a of [
      "127.0.0.1",
      "10.0.0.1",
      "172.31.255.255",
      "192.168.0.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "::",
      "fe80::1",
      "fd00:ec2::254",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "64:ff9b::a9fe:a9fe",
      "not an address",
    ]
  ) assert.equal(isBlockedAddress(a), true, a);
  for (const a of ["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::6810:85e5"]) {
    assert.equal(isBlockedAddress(a), false, a);
  }
});

Deno.test("webhook address: URLs refused before any name lookup (scheme, credentials, literal and numeric hosts, local names)", async () => {
  const cases: [string, RegExp][] = [
    ["http://hooks.example.com/", /http:\/\/ is refused/],
    ["ftp://hooks.example.com/", /scheme/],
    ["https://u:p@hooks.example.com/", /credentials/],
    ["https://127.0.0.1/", /loopback/],
    ["https://2130706433/", /127\.0\.0\.1 is loopback/],
    ["https://0x7f.1/", /127\.0\.0\.1 is loopback/],
    ["https://[::ffff:169.254.169.254]/", /loopback/],
    ["https://localhost:8443/", /local name/],
    ["https://metadata.google.internal/", /local name/],
    ["https://intranet/", /local name/],
  ];
  for (const [url, why] of cases) {
    assert.match((await addressProblem(url, strict)) ?? "", why, url);
  }
  assert.equal(await addressProblem("https://hooks.example.com/x", strict), null);
});

Deno.test("webhook address: a name that resolves to a private address is refused at delivery; the dev settings allow it", async () => {
  const resolve = (host: string) =>
    Promise.resolve(
      host === "rebind.example.com" ? ["93.184.216.34", "127.0.0.1"] : ["93.184.216.34"],
    );
  assert.match(
    (await addressProblem("https://rebind.example.com/", { ...strict, resolve })) ?? "",
    /resolves to 127\.0\.0\.1/,
  );
  assert.equal(await addressProblem("https://ok.example.com/", { ...strict, resolve }), null);
  const failing = () => Promise.reject(new Error("NXDOMAIN"));
  assert.match(
    (await addressProblem("https://gone.example.com/", { ...strict, resolve: failing })) ?? "",
    /could not be resolved/,
  );
  assert.equal(
    await addressProblem("http://127.0.0.1:8080/", { allowHttp: true, allowPrivate: true }),
    null,
  );
});
