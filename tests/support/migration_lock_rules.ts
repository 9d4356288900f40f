/**
 * What a migration file may do to the exchange's tables (docs/live-database.md, "Upgrading a live database"),
 * read from its statements:
 *
 * - an ADD COLUMN (ACCESS EXCLUSIVE until the file's transaction commits) is the file's last
 *   statement;
 * - no statement outside a function body updates rows of those tables (a backfill belongs in
 *   bounded batches outside the migration); `chains` is left out: a configuration table of a few
 *   rows, which the upgrade corrects row by row;
 * - an index on them is built CONCURRENTLY, as the file's first statement (the only place in the
 *   CLI's pipeline where PostgreSQL runs it outside a transaction block);
 * - an index of theirs (named after its table) is dropped CONCURRENTLY, as the file's first
 *   statement: a plain DROP INDEX holds ACCESS EXCLUSIVE on the table until the file commits.
 */
import { splitStatements } from "./sql_statements.ts";

const EXCHANGE = "(chains|assets|asset_on_chain|wallets|user_wallet_addresses|wallet_balances)";
const BIG_TABLES = "(assets|asset_on_chain|wallets|user_wallet_addresses|wallet_balances)";

const DEFINITION = /^create\s+(or\s+replace\s+)?(function|procedure)\b/i;
const ADDS_COLUMN = [
  new RegExp(`add_missing_column\\s*\\(\\s*'public\\.${EXCHANGE}'`, "i"),
  new RegExp(
    `alter\\s+table\\s+(if\\s+exists\\s+)?(only\\s+)?(public\\.)?${EXCHANGE}\\b[\\s\\S]*\\badd\\s+column`,
    "i",
  ),
];
const UPDATES_ROWS = new RegExp(`\\bupdate\\s+(only\\s+)?public\\.${BIG_TABLES}\\b`, "i");
const BUILDS_INDEX = new RegExp(
  `create\\s+(unique\\s+)?index\\s+(concurrently\\s+)?(if\\s+not\\s+exists\\s+)?[\\w."]+\\s+on\\s+(only\\s+)?public\\.${EXCHANGE}\\b`,
  "gi",
);

const DROPS_INDEX = new RegExp(
  `drop\\s+index\\s+(concurrently\\s+)?(if\\s+exists\\s+)?(public\\.)?"?${EXCHANGE}_\\w+`,
  "gi",
);

/** Every breach of the rules above in one migration file (empty: none). */
export function lockRuleViolations(file: string, text: string): string[] {
  const statements = splitStatements(text);
  const found: string[] = [];
  statements.forEach((statement, index) => {
    if (DEFINITION.test(statement)) return;
    const where = `${file}, statement ${index + 1} of ${statements.length}`;
    for (const pattern of ADDS_COLUMN) {
      const match = statement.match(pattern);
      if (match && index < statements.length - 1) {
        found.push(
          `${where}: adds a column to public.${match[match.length - 1]} and ` +
            `${statements.length - 1 - index} statement(s) follow it in the same transaction`,
        );
      }
    }
    const update = statement.match(UPDATES_ROWS);
    if (update) found.push(`${where}: updates rows of public.${update[2]} inside the migration`);
    for (const build of statement.matchAll(BUILDS_INDEX)) {
      if (!build[2]) {
        found.push(`${where}: builds an index on public.${build[5]} without CONCURRENTLY`);
      } else if (index > 0) {
        found.push(`${where}: builds an index concurrently, but not as the file's first statement`);
      }
    }
    for (const drop of statement.matchAll(DROPS_INDEX)) {
      if (!drop[1]) {
        found.push(`${where}: drops an index of public.${drop[4]} without CONCURRENTLY`);
      } else if (index > 0) {
        found.push(`${where}: drops an index concurrently, but not as the file's first statement`);
      }
    }
  });
  return found;
}
