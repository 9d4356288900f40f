/** A variable is missing or invalid. The message names the variable, never a secret's value. */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
  }
}
