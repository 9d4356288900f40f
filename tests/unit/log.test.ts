import assert from "node:assert/strict";
import { createLogger, type LogLevel } from "../../supabase/functions/balance-sync/log.ts";

function capture(level: LogLevel, redact: string[] = []) {
  const lines: { line: string; level: LogLevel }[] = [];
  const log = createLogger({
    level,
    redact,
    sink: (line, l) => lines.push({ line, level: l }),
    now: () => new Date("2026-01-02T03:04:05.000Z"),
  });
  return { log, lines };
}

Deno.test("logger writes one JSON object per line with level, time, msg and base fields", () => {
  const { log, lines } = capture("debug");
  log.child({ run_id: "run-1" }).info("Fetched native asset balance", {
    raw: 2n ** 80n,
    error: new TypeError("boom"),
  });
  assert.equal(lines.length, 1);
  assert.ok(!lines[0].line.includes("\n"));
  assert.deepEqual(JSON.parse(lines[0].line), {
    level: "info",
    time: "2026-01-02T03:04:05.000Z",
    msg: "Fetched native asset balance",
    run_id: "run-1",
    raw: "1208925819614629174706176",
    error: { name: "TypeError", message: "boom" },
  });
});

Deno.test("logger drops lines below its level", () => {
  const { log, lines } = capture("warn");
  log.debug("a");
  log.info("b");
  log.notice("n");
  log.warn("c");
  log.error("d");
  assert.deepEqual(lines.map((l) => [l.level, JSON.parse(l.line).msg]), [["warn", "c"], [
    "error",
    "d",
  ]]);
  assert.equal(log.enabled("info"), false);
  const quiet = capture("notice");
  quiet.log.info("row");
  quiet.log.notice("summary");
  assert.deepEqual(quiet.lines.map((l) => JSON.parse(l.line).level), ["notice"]);
  assert.equal(log.enabled("error"), true);
});

Deno.test("logger redacts secrets wherever they appear, escaped or not", () => {
  const secret = 'sb_secret_with"quote\\slash';
  const { log, lines } = capture("debug", [secret, "sb_secret_plain_0123"]);
  log.child({ note: `key=${secret}` }).warn("failed for sb_secret_plain_0123", {
    nested: { value: secret },
  });
  const line = lines[0].line;
  assert.ok(!line.includes("sb_secret_plain_0123"));
  assert.ok(!line.includes(JSON.stringify(secret).slice(1, -1)));
  assert.equal(JSON.parse(line).nested.value, "[redacted]");
  assert.equal(JSON.parse(line).note, "key=[redacted]");
});
