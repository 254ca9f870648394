// For configuration tests: the name of the setting a bad environment is refused for.
import { expect } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/config.ts";

export function settingOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).setting;
  }
  throw new Error("expected a ConfigError");
}
