/** Locates the command-line tools the stack needs: the project's pinned npm tools first, then PATH. */
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../", import.meta.url)).replace(/\/$/, "");
export const toolsBin = `${repoRoot}/tools/node_modules/.bin`;

function onPath(name: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      const candidate = `${dir}/${name}`;
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch { /* not here */ }
  }
  return null;
}

/** Path of an npm-installed tool (anvil, supabase, deno); throws with the install command if absent. */
export function tool(name: "anvil" | "supabase" | "deno"): string {
  try {
    const pinned = `${toolsBin}/${name}`;
    Deno.statSync(pinned);
    return pinned;
  } catch { /* fall through to PATH */ }
  const found = onPath(name);
  if (found) return found;
  throw new Error(`${name} is not installed. Run: npm ci --prefix tools`);
}

/** Directory of the newest installed PostgreSQL server binaries (Debian layout). */
export function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  let majors: number[] = [];
  try {
    majors = [...Deno.readDirSync(root)].map((e) => Number(e.name)).filter((n) =>
      Number.isInteger(n)
    );
  } catch { /* none */ }
  for (const major of majors.sort((a, b) => b - a)) {
    try {
      Deno.statSync(`${root}/${major}/bin/postgres`);
      return `${root}/${major}/bin`;
    } catch { /* client only */ }
  }
  throw new Error(
    "PostgreSQL server binaries are missing. Install them with:\n" +
      "  sudo apt-get install postgresql postgresql-<major>-cron postgresql-<major>-pgtap " +
      "libtap-parser-sourcehandler-pgtap-perl\n(<major> is 15 on Debian 12, 17 on Debian 13)",
  );
}
