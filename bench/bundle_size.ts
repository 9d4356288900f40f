/**
 * `deno task bundle`: builds the deployable bundle (supabase/functions/balance-sync/dist/index.js)
 * and prints its sizes against Supabase's limits (stack/bundle.ts says how each is measured).
 * Exits 1 when the bundle is over a limit.
 */
import {
  CLI_LIMIT_BYTES,
  formatMb,
  measureBundle,
  SERVER_SIDE_LIMIT_BYTES,
} from "../stack/bundle.ts";

const sizes = await measureBundle();
const rows: [string, number, number | null][] = [
  ["source: deno info of index.ts (npm packages whole)", sizes.sourceDenoInfoBytes, null],
  ["bundle: dist/index.js", sizes.bundleFileBytes, null],
  ["bundle: eszip (@deno/eszip)", sizes.bundleEszipBytes, SERVER_SIDE_LIMIT_BYTES],
  ["bundle: deno info of dist/index.js", sizes.bundleDenoInfoBytes, CLI_LIMIT_BYTES],
];
console.log(`npm packages the source resolves: ${sizes.sourceNpmPackages.join(", ")}`);
let over = false;
for (const [what, bytes, limit] of rows) {
  const verdict = limit === null ? "" : bytes < limit ? `  < ${formatMb(limit)} ok` : "  OVER";
  if (limit !== null && bytes >= limit) over = true;
  console.log(`${what.padEnd(52)} ${formatMb(bytes).padStart(10)}${verdict}`);
}
Deno.exit(over ? 1 : 0);
