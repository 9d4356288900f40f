/**
 * The docs quote no benchmark figure by hand: every generated block in README.md and docs/*.md is
 * exactly what tools/docs_figures.ts renders now from the committed bench/*.json.
 */
import assert from "node:assert/strict";
import { BLOCKS, docFiles, renderFile, ROOT, shallowClone } from "../../tools/docs_figures.ts";

/** In a clone without history the commit dates are the clone's: compare everything but them. */
const withoutCommitDates = (text: string) =>
  text.replace(/committed\s+on\s+\d{4}-\d{2}-\d{2}/g, "committed on …");

Deno.test("every figures block in the docs is what the generator prints from bench/*.json", async () => {
  const comparable = (await shallowClone()) ? withoutCommitDates : (text: string) => text;
  const stale: string[] = [];
  for (const path of await docFiles()) {
    const text = await Deno.readTextFile(new URL(path, ROOT));
    if (comparable(await renderFile(text, path)) !== comparable(text)) stale.push(path);
  }
  assert.deepEqual(
    stale,
    [],
    `figures or formatting differ from bench/*.json in ${stale.join(", ")}: run \`deno task docs\``,
  );
});

Deno.test("every block the generator knows is shown somewhere in the docs", async () => {
  let all = "";
  for (const path of await docFiles()) all += await Deno.readTextFile(new URL(path, ROOT));
  const unused = Object.keys(BLOCKS).filter((name) =>
    !all.includes(`<!-- figures:${name} begin -->`)
  );
  assert.deepEqual(unused, [], `blocks no page shows: ${unused.join(", ")}`);
});

Deno.test("a block's old content is replaced by the JSON's figures", async () => {
  const coldStart = JSON.parse(await Deno.readTextFile(new URL("bench/cold_start.json", ROOT)));
  const text =
    "# t\n\n<!-- figures:cold-start begin -->\n\n| old | 1 ms |\n\n<!-- figures:cold-start end -->\n";
  const out = await renderFile(text, "test.md");
  assert.ok(!out.includes("| old"), out);
  assert.ok(out.includes(`${coldStart.results[0].listening_ms_median} ms`), out);
  assert.ok(out.includes("bench/cold_start.json"), out);
});

Deno.test("a block the generator does not know is refused", async () => {
  await assert.rejects(
    () => renderFile("<!-- figures:nope begin -->\n<!-- figures:nope end -->\n", "x.md"),
    /unknown figures block "nope"/,
  );
});
