/**
 * The function as Supabase deploys it: supabase/functions/balance-sync/ copied ALONE into an empty
 * directory (no workspace, no root deno.json or lockfile). There it type-checks with its own
 * deno.json, imports nothing outside the folder, bundles under Supabase's size limits, and the
 * bundle serves requests end to end against the local stack (legacy keys disabled).
 */
import assert from "node:assert/strict";
import { callFunction, startStack } from "../../stack/stack.ts";
import {
  BUNDLE_DIR_NAME,
  bundleFunction,
  CLI_LIMIT_BYTES,
  denoInfo,
  formatMb,
  FUNCTION_SOURCE_DIR,
  measureBundle,
  SERVER_SIDE_LIMIT_BYTES,
} from "../../stack/bundle.ts";
import { stackTest } from "./fixture.ts";

async function copyFolder(from: string, to: string) {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.name === BUNDLE_DIR_NAME) continue;
    if (entry.isDirectory) await copyFolder(`${from}/${entry.name}`, `${to}/${entry.name}`);
    else if (entry.isFile) await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
    else {throw new Error(
        `${from}/${entry.name}: not a file or folder (a link would leave the copy)`,
      );}
  }
}

stackTest(
  "bundle: the function folder alone type-checks, imports nothing outside it, bundles under 5 MB and serves from the copy",
  async () => {
    const tmp = await Deno.makeTempDir({ prefix: "balance-sync-alone-" });
    const dir = `${tmp}/balance-sync`;
    const stack = await startStack({ function: false, legacyKeys: "disabled" });
    try {
      await copyFolder(FUNCTION_SOURCE_DIR, dir);

      const check = await new Deno.Command(Deno.execPath(), {
        args: ["check", "--config", `${dir}/deno.json`, `${dir}/index.ts`],
        cwd: dir,
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(check.success, new TextDecoder().decode(check.stderr));

      const source = await denoInfo(`${dir}/index.ts`, `${dir}/deno.json`);
      const outside = source.modules.filter((specifier) =>
        specifier.startsWith("file:")
          ? !new URL(specifier).pathname.startsWith(`${dir}/`)
          : !/^(npm|node):/.test(specifier)
      );
      assert.deepEqual(outside, [], "modules from outside the folder");
      assert.ok(
        source.npmPackages.some((p) => p.startsWith("viem@")) &&
          source.npmPackages.some((p) => p.startsWith("@supabase/postgrest-js@")),
      );
      for (const gone of ["@supabase/supabase-js@", "@supabase/auth-js@", "tronweb@"]) {
        assert.ok(!source.npmPackages.some((p) => p.startsWith(gone)), `${gone} is not loaded`);
      }

      const sizes = await measureBundle(dir);
      console.log(
        `source: deno info ${formatMb(sizes.sourceDenoInfoBytes)} (npm packages counted whole); ` +
          `bundle: eszip ${formatMb(sizes.bundleEszipBytes)} (limit ${
            formatMb(SERVER_SIDE_LIMIT_BYTES)
          }), deno info ${formatMb(sizes.bundleDenoInfoBytes)} (limit ${
            formatMb(CLI_LIMIT_BYTES)
          })`,
      );
      assert.ok(sizes.bundleEszipBytes < SERVER_SIDE_LIMIT_BYTES, "eszip under 5 MB");
      assert.ok(sizes.bundleDenoInfoBytes < CLI_LIMIT_BYTES, "deno info under 20 MB");
      assert.ok(sizes.bundleEszipBytes >= sizes.bundleFileBytes, "the eszip holds the bundle");

      const bundle = `${dir}/${BUNDLE_DIR_NAME}/index.js`;
      const imports = [...(await Deno.readTextFile(bundle)).matchAll(/from\s+"([^"]+)"/g)]
        .map((m) => m[1]);
      assert.deepEqual(imports.filter((s) => !s.startsWith("node:")), [], "no npm: left");

      const bundleConfig = `${dir}/${BUNDLE_DIR_NAME}/deno.json`;
      assert.deepEqual(JSON.parse(await Deno.readTextFile(bundleConfig)), { lock: false });
      const fn = await stack.serveFunction({ entrypoint: { file: bundle, config: bundleConfig } });
      const metrics = await callFunction(
        `${fn.url}/metrics`,
        undefined,
        { apikey: stack.keys.secretKey },
        "GET",
      );
      assert.equal(metrics.status, 200, metrics.text);
      assert.match(metrics.text, /^# TYPE balance_sync_/m);
      const run = await fn.call({});
      assert.equal(run.status, 200, run.text);
      assert.equal(run.body.kind, "scheduled");
      const refused = await fn.call({}, { authorization: `Bearer ${stack.keys.serviceRoleKey}` });
      assert.equal(refused.status, 401);
    } finally {
      await stack.stop();
      await Deno.remove(tmp, { recursive: true });
    }
  },
);

Deno.test("bundle: the committed bundle is what `deno task bundle` builds from the source now", async () => {
  const out = await Deno.makeTempDir({ prefix: "balance-sync-bundle-" });
  try {
    await bundleFunction(FUNCTION_SOURCE_DIR, out);
    for (const file of ["index.js", "deno.json"]) {
      const built = await Deno.readTextFile(`${out}/${file}`);
      const committed = await Deno.readTextFile(
        `${FUNCTION_SOURCE_DIR}/${BUNDLE_DIR_NAME}/${file}`,
      ).catch(() => "(missing)");
      assert.ok(
        built === committed,
        `supabase/functions/balance-sync/${BUNDLE_DIR_NAME}/${file} is stale: run \`deno task bundle\` ` +
          "and commit it (supabase functions deploy ships it as it is)",
      );
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
