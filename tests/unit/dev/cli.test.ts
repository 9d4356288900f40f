/** The dev tasks' command lines and the one-stack-per-checkout lock. */
import assert from "node:assert/strict";

const root = new URL("../../../", import.meta.url).pathname;

async function run(script: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: root,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    // Should the command not stop at once as expected, it must not keep a stack running.
    signal: AbortSignal.timeout(60_000),
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

for (
  const [script, usage] of [
    ["dev/main.ts", /^Usage: deno task dev \[--plain\]/m],
    ["dev/transfer.ts", /^Usage: deno task dev:transfer/m],
    ["dev/sync.ts", /^Usage: deno task dev:sync/m],
  ] as const
) {
  Deno.test(`${script}: --help prints usage and does nothing else; an unknown flag is refused with usage`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "balance-sync-dev-cli-" });
    try {
      // A state file that points nowhere: if the command went on, it would say so.
      Deno.writeTextFileSync(
        `${dir}/dev-stack.json`,
        JSON.stringify({ controlUrl: "http://127.0.0.2:9", functionUrl: "x", pid: 1 }),
      );
      const help = await run(script, ["--help"], { BALANCE_SYNC_DEV_DIR: dir });
      assert.equal(help.code, 0, help.text);
      assert.match(help.text, usage);
      assert.doesNotMatch(help.text, /does not answer|Starting PostgreSQL|Alice →/);
      const bad = await run(script, ["--frobnicate"], { BALANCE_SYNC_DEV_DIR: dir });
      assert.equal(bad.code, 2, bad.text);
      assert.match(bad.text, /Unknown option '--frobnicate'/);
      assert.match(bad.text, usage);
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["dev-stack.json"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("a second deno task dev in the same checkout refuses and says where the first runs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "balance-sync-dev-lock-" });
  // A stand-in for the first stack: a live process whose command line runs dev/main.ts.
  const first = new Deno.Command("sh", {
    args: ["-c", "sleep 60; :", "dev/main.ts"],
    stdin: "null",
  })
    .spawn();
  try {
    Deno.writeTextFileSync(
      `${dir}/dev-stack.lock`,
      JSON.stringify({ pid: first.pid, started: "2026-01-01T12:00:00.000Z" }),
    );
    Deno.writeTextFileSync(
      `${dir}/dev-stack.json`,
      JSON.stringify({
        controlUrl: "http://127.0.0.1:54321",
        functionUrl: "http://127.0.0.1:54321/functions/v1/balance-sync",
        serviceRoleKey: "k",
        databaseUrl: "postgresql://postgres@127.0.0.2:5/postgres",
        pid: first.pid,
      }),
    );
    const second = await run("dev/main.ts", [], { BALANCE_SYNC_DEV_DIR: dir });
    assert.equal(second.code, 1, second.text);
    assert.match(
      second.text,
      new RegExp(`Another \`deno task dev\` runs in this checkout \\(pid ${first.pid}`),
    );
    assert.match(
      second.text,
      /function\s+http:\/\/127\.0\.0\.1:54321\/functions\/v1\/balance-sync/,
    );
    assert.doesNotMatch(second.text, /Starting PostgreSQL/);
    // The first stack's files are untouched.
    assert.equal(JSON.parse(Deno.readTextFileSync(`${dir}/dev-stack.json`)).pid, first.pid);
    assert.equal(JSON.parse(Deno.readTextFileSync(`${dir}/dev-stack.lock`)).pid, first.pid);
  } finally {
    first.kill();
    await first.status;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a lock left by a stack that was killed is taken over", async () => {
  const dir = await Deno.makeTempDir({ prefix: "balance-sync-dev-stale-" });
  try {
    Deno.writeTextFileSync(
      `${dir}/dev-stack.lock`,
      JSON.stringify({ pid: 2 ** 22 + 1, started: "2026-01-01T12:00:00.000Z" }),
    );
    // state.ts reads BALANCE_SYNC_DEV_DIR when it loads: run the lock in a child to set it.
    const child = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { acquireDevLock } from "${root}dev/lock.ts";
         const lock = acquireDevLock();
         console.log(Deno.readTextFileSync("${dir}/dev-stack.lock"));
         lock.release();
         try { Deno.statSync("${dir}/dev-stack.lock"); console.log("still there"); }
         catch { console.log("released"); }`,
      ],
      cwd: root,
      env: { BALANCE_SYNC_DEV_DIR: dir },
    }).output();
    const text = new TextDecoder().decode(child.stdout);
    assert.ok(child.success, new TextDecoder().decode(child.stderr));
    assert.match(text, /"pid":\d+/);
    assert.doesNotMatch(text, new RegExp(`"pid":${2 ** 22 + 1}`));
    assert.match(text, /released/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task dev --legacy-keys: disabled or enabled; anything else is refused with usage", async () => {
  const { parseDevArgs } = await import("../../../dev/cli.ts");
  const parsed = (args: string[]) => {
    const value = parseDevArgs(args);
    assert.notEqual(typeof value, "number", args.join(" "));
    return value as Exclude<typeof value, number>;
  };
  assert.equal(parsed([]).legacyKeys, null);
  assert.equal(parsed(["--legacy-keys=disabled"]).legacyKeys, "disabled");
  assert.equal(parsed(["--legacy-keys", "enabled", "--plain"]).legacyKeys, "enabled");
  const errors: string[] = [];
  const original = console.error;
  console.error = (line: string) => errors.push(line);
  try {
    assert.equal(parseDevArgs(["--legacy-keys=off"]), 2);
  } finally {
    console.error = original;
  }
  assert.match(errors.join("\n"), /--legacy-keys is "enabled" or "disabled"/);
});
