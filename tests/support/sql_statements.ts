/**
 * Splits a migration file into its top-level statements, as the Supabase CLI sends them (one
 * statement per `;` outside quotes, dollar quotes and comments), with the comments removed, so a
 * test can reason about what each statement of a file does.
 */
export function splitStatements(text: string): string[] {
  const statements: string[] = [];
  let current = "";
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    if (rest.startsWith("--")) {
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end;
      continue;
    }
    if (rest.startsWith("/*")) {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 2;
      current += " ";
      continue;
    }
    const dollar = rest.match(/^\$([A-Za-z_][A-Za-z0-9_]*)?\$/);
    if (dollar) {
      const end = text.indexOf(dollar[0], i + dollar[0].length);
      const stop = end < 0 ? text.length : end + dollar[0].length;
      current += text.slice(i, stop);
      i = stop;
      continue;
    }
    if (text[i] === "'") {
      let j = i + 1;
      while (j < text.length) {
        if (text[j] === "'" && text[j + 1] === "'") j += 2;
        else if (text[j] === "'") break;
        else j++;
      }
      current += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (text[i] === ";") {
      if (current.trim()) statements.push(current.trim());
      current = "";
      i++;
      continue;
    }
    current += text[i];
    i++;
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}
