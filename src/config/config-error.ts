// The error a bad setting stops start-up with: it names the setting, and never echoes a secret's value.

/** A bad setting: start-up stops with a message that names it. */
export class ConfigError extends Error {
  readonly setting: string;
  constructor(setting: string, problem: string) {
    super(`Invalid setting ${setting}: ${problem}`);
    this.name = "ConfigError";
    this.setting = setting;
  }
}
