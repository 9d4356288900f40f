/**
 * The function's deployable bundle, and its size measured the ways Supabase measures it.
 *
 * Why a bundle at all: Supabase's bundler (edge-runtime `bundle`, behind both `supabase functions
 * deploy` and the server-side `--use-api` path) packs every npm package the function resolves
 * WHOLE into the eszip (`build_npm_vfs` adds each package folder recursively), whatever the
 * function imports from it. viem alone is 28 MB unpacked, so a function that imports `npm:viem`
 * cannot get under 20 MB, let alone the 5 MB of server-side bundling. `deno bundle` (esbuild)
 * keeps only the code the function reaches: one file, no `npm:` imports left, which the Supabase
 * bundler then packs as one module (`entrypoint` in supabase/config.toml points at it).
 *
 * The measures:
 * - `eszipBytes`: an eszip built with npm `@deno/eszip` (the library Supabase's tooling uses for
 *   the format). It leaves `npm:` specifiers out — they stay external and their packages are never
 *   loaded — so it is exact only for a graph without npm imports: the bundle;
 * - `denoInfoBytes`: the `size` that `deno info` prints, which Supabase's bundle-size guide tells
 *   users to check; for a graph with npm imports it counts each package whole, like edge-runtime.
 */
import { build } from "@deno/eszip";
import { repoRoot } from "./bin.ts";

export const FUNCTION_SOURCE_DIR = `${repoRoot}/supabase/functions/balance-sync`;
/**
 * Where `deno task bundle` writes the deployable entrypoint. It is committed, so that `supabase
 * functions deploy` works from a clone without a build step; a test fails while it is stale.
 */
export const BUNDLE_DIR_NAME = "dist";
export const MB = 1024 * 1024;
/** Supabase's limits: server-side bundling (Management API, Dashboard), and the CLI's. */
export const SERVER_SIDE_LIMIT_BYTES = 5 * MB;
export const CLI_LIMIT_BYTES = 20 * MB;

async function run(args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`deno ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  return text;
}

/**
 * The deno.json beside the bundle. The Supabase bundler discovers the config nearest to the
 * entrypoint and the lockfile beside it. The repository's deno.lock is version 5, which older
 * edge-runtime builds refuse ("Unsupported lockfile version '5'"), and `deno` run inside the
 * function folder alone writes a version-5 deno.lock there. The bundle resolves nothing at deploy
 * time (its npm code is inlined, resolved by the pinned Deno against the root deno.lock when it
 * was built), so it deploys with no lockfile at all, which every version accepts.
 */
export const BUNDLE_CONFIG = { lock: false } as const;

/**
 * `deno bundle` of `<functionDir>/index.ts` with the folder's own deno.json, to
 * `<outDir>/index.js` (default `<functionDir>/dist`), with BUNDLE_CONFIG as `<outDir>/deno.json`.
 * Returns the bundle's path.
 *
 * Minified, with names kept: the bundle is an artifact, not a second copy of the source to read
 * (it is less than half the size, and tools and reviewers that read the tree see no second copy of
 * every module), while class and function names stay as written, so an error's `name` and a stack
 * trace in the platform's logs still say where it came from.
 */
export async function bundleFunction(
  functionDir = FUNCTION_SOURCE_DIR,
  outDir = `${functionDir}/${BUNDLE_DIR_NAME}`,
): Promise<string> {
  const output = `${outDir}/index.js`;
  await run([
    "bundle",
    "--quiet",
    "--platform=deno",
    "--minify",
    "--keep-names",
    "--config",
    `${functionDir}/deno.json`,
    "--output",
    output,
    `${functionDir}/index.ts`,
  ], functionDir);
  await Deno.writeTextFile(
    `${outDir}/deno.json`,
    JSON.stringify(BUNDLE_CONFIG, null, 2) + "\n",
  );
  return output;
}

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: MB, GB: 1024 * MB };

/** The `size:` line of `deno info`, in bytes (deno prints binary units with one or two decimals). */
export function parseDenoInfoSize(text: string): number {
  // deno-lint-ignore no-control-regex
  const match = text.replace(/\x1b\[[0-9;]*m/g, "").match(/^size:\s*([\d.]+)\s*(B|KB|MB|GB)$/m);
  if (!match) throw new Error(`no size line in deno info's output:\n${text.slice(0, 500)}`);
  return Math.round(Number(match[1]) * UNITS[match[2]]);
}

/** What `deno info` says of an entrypoint: its size and the specifiers of every module. */
export async function denoInfo(
  entry: string,
  config: string | null,
): Promise<{ bytes: number; modules: string[]; npmPackages: string[] }> {
  const configArgs = config ? ["--config", config] : [];
  const cwd = entry.slice(0, entry.lastIndexOf("/"));
  const text = await run(["info", ...configArgs, entry], cwd);
  const graph = JSON.parse(await run(["info", "--json", ...configArgs, entry], cwd));
  // The tree lines name each npm package the graph reaches: `npm:/viem@2.57.20 (28.67MB)`.
  const reached = new Set(
    [...text.matchAll(/npm:\/((?:@[^/\s]+\/)?[^/@\s]+@[^\s/]+)/g)].map((m) => m[1]),
  );
  return {
    bytes: parseDenoInfoSize(text),
    modules: (graph.modules as { specifier: string }[]).map((m) => m.specifier),
    npmPackages: [...reached].sort(),
  };
}

/** The size of an eszip of the module graph from `entry` (a file path); npm: stays external. */
export async function eszipBytes(entry: string): Promise<number> {
  const root = new URL(`file://${entry}`).href;
  const bytes = await build([root], async (specifier: string) => {
    if (!specifier.startsWith("file:")) return undefined;
    return {
      kind: "module",
      specifier,
      headers: {
        "content-type": specifier.endsWith(".js")
          ? "application/javascript"
          : "application/typescript",
      },
      content: await Deno.readTextFile(new URL(specifier)),
    };
  });
  return bytes.length;
}

export interface BundleSizes {
  /** `deno info` of the source entrypoint (npm packages counted whole, as edge-runtime packs them). */
  sourceDenoInfoBytes: number;
  sourceNpmPackages: string[];
  /** The bundle (`dist/index.js`) itself. */
  bundleFileBytes: number;
  /** eszip of the bundle: what Supabase's bundler uploads, before its compression. */
  bundleEszipBytes: number;
  /** `deno info` of the bundle. */
  bundleDenoInfoBytes: number;
}

/** Bundles `functionDir` and measures the source and the bundle. */
export async function measureBundle(functionDir = FUNCTION_SOURCE_DIR): Promise<BundleSizes> {
  const source = await denoInfo(`${functionDir}/index.ts`, `${functionDir}/deno.json`);
  const bundle = await bundleFunction(functionDir);
  const bundled = await denoInfo(bundle, null);
  return {
    sourceDenoInfoBytes: source.bytes,
    sourceNpmPackages: source.npmPackages,
    bundleFileBytes: (await Deno.stat(bundle)).size,
    bundleEszipBytes: await eszipBytes(bundle),
    bundleDenoInfoBytes: bundled.bytes,
  };
}

export const formatMb = (bytes: number) => `${(bytes / MB).toFixed(2)} MB`;
