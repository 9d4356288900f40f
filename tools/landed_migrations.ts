/**
 * The sha256 of every landed migration, kept in supabase/migrations.sha256 (`sha256sum` format:
 * "<hex>  <file name>", one line per file). A migration that landed may already be applied on a
 * live database, where the CLI never runs it again: an edit would reach fresh installs only, and
 * the two would differ. tests/unit/landed_migrations.test.ts compares the list with the files.
 *
 *   deno task migration:sum    prints the line of each migration not yet in the list, to append:
 *                              deno task migration:sum >> supabase/migrations.sha256
 */

export const MIGRATIONS_DIR = new URL(
  "../supabase/migrations/",
  import.meta.url,
);
export const SUMS_FILE = new URL(
  "../supabase/migrations.sha256",
  import.meta.url,
);

/** File name -> sha256 (hex) of its bytes, for every supabase/migrations/*.sql. */
export async function migrationSums(): Promise<Map<string, string>> {
  const names = [...Deno.readDirSync(MIGRATIONS_DIR)]
    .filter((e) => e.isFile && e.name.endsWith(".sql"))
    .map((e) => e.name)
    .sort();
  const sums = new Map<string, string>();
  for (const name of names) {
    const bytes = await Deno.readFile(new URL(name, MIGRATIONS_DIR));
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    sums.set(
      name,
      [...digest].map((b) => b.toString(16).padStart(2, "0")).join(""),
    );
  }
  return sums;
}

/** The committed list: file name -> sha256. Throws on a line that is not "<hex>  <name>". */
export function landedSums(
  text = Deno.readTextFileSync(SUMS_FILE),
): Map<string, string> {
  const sums = new Map<string, string>();
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const match = /^([0-9a-f]{64}) {2}(\S+\.sql)$/.exec(line);
    if (!match) {
      throw new Error(
        `supabase/migrations.sha256 line ${i + 1} is not "<sha256>  <file name>": ${line}`,
      );
    }
    sums.set(match[2], match[1]);
  });
  return sums;
}

/** A line of supabase/migrations.sha256. */
export const sumLine = (name: string, sum: string) => `${sum}  ${name}`;

if (import.meta.main) {
  const landed = landedSums();
  for (const [name, sum] of await migrationSums()) {
    if (!landed.has(name)) console.log(sumLine(name, sum));
  }
}
