/**
 * JSON log lines: levels, secret redaction, the platform's line limit, and the per-run cap on
 * row lines.
 */
/** `notice` sits between info and warn: the run summary, so that a quiet setting still shows one line per run. */
export type LogLevel = "debug" | "info" | "notice" | "warn" | "error";

export type LogFields = Record<string, unknown>;

/** Receives one finished JSON line. */
export type LogSink = (line: string, level: LogLevel) => void;

export interface Logger {
  readonly level: LogLevel;
  enabled(level: LogLevel): boolean;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  notice(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` (e.g. run_id) to every line. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  sink?: LogSink;
  /** Values that must never appear in a line (keys, secrets); replaced by "[redacted]". */
  redact?: readonly string[];
  now?: () => Date;
}

/** Supabase keeps at most this many characters of one log event. */
export const MAX_LINE_CHARS = 10_000;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, notice: 25, warn: 30, error: 40 };

/** Supabase's log explorer maps console.warn/error to its own severities. */
export const consoleSink: LogSink = (line, level) => {
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
};

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

export function createLogger(options: LoggerOptions = {}, base: LogFields = {}): Logger {
  const level = options.level ?? "info";
  const sink = options.sink ?? consoleSink;
  const now = options.now ?? (() => new Date());
  // Short values would redact ordinary words; real keys and secrets are long.
  // A secret with quotes or backslashes appears JSON-escaped inside a line.
  const redact = [
    ...new Set(
      (options.redact ?? []).filter((s) => s.length >= 8).flatMap((s) => [
        s,
        JSON.stringify(s).slice(1, -1),
      ]),
    ),
  ];

  const write = (lineLevel: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[lineLevel] < RANK[level]) return;
    let line = JSON.stringify(
      { level: lineLevel, time: now().toISOString(), msg, ...base, ...fields },
      replacer,
    );
    for (const secret of redact) {
      if (line.includes(secret)) line = line.replaceAll(secret, "[redacted]");
    }
    if (line.length > MAX_LINE_CHARS) line = shortened(line, lineLevel, msg, base);
    sink(line, lineLevel);
  };

  return {
    level,
    enabled: (l) => RANK[l] >= RANK[level],
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    notice: (msg, fields) => write("notice", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

/**
 * A line past the platform's size: its message and the logger's own fields (run_id), and the
 * start of the whole line as text.
 */
function shortened(line: string, level: LogLevel, msg: string, base: LogFields): string {
  const head = JSON.stringify(
    { level, msg: msg.slice(0, 500), ...base, truncated_chars: line.length },
    replacer,
  );
  const room = MAX_LINE_CHARS - head.length - 64;
  const fields = JSON.stringify(line.slice(0, Math.max(0, room)));
  // Escaping can make the preview longer than its slice: cut the escaped text instead.
  const preview = fields.length > room
    ? JSON.stringify(line.slice(0, Math.floor(room / 6)))
    : fields;
  return `${head.slice(0, -1)},"preview":${preview}}`;
}

/**
 * Per-row lines of one run, capped: past `max` lines they are counted, not written, so that a run
 * over thousands of rows stays within the platform's 100 lines per 10 s.
 */
export class RowLineCap {
  #written = 0;
  omitted = 0;

  constructor(readonly log: Logger, readonly max: number) {}

  warn(msg: string, fields?: LogFields): void {
    this.#line("warn", msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.#line("info", msg, fields);
  }

  #line(level: "warn" | "info", msg: string, fields?: LogFields): void {
    if (!this.log.enabled(level)) return;
    if (this.#written >= this.max) {
      this.omitted++;
      return;
    }
    this.#written++;
    this.log[level](msg, fields);
  }
}
