import { describe, expect, it } from "vitest";
import { serveMemoryExec } from "./serve-memory-settings.ts";

describe("serveMemoryExec", () => {
  it("gives `serve` two malloc arenas and a 4 MB semi-space, keeping the environment and Node's flags", () => {
    const exec = serveMemoryExec(["serve"], { PATH: "/bin", UNSET: undefined }, ["--cpu-prof"], "linux");
    expect(exec).toEqual({
      env: {
        PATH: "/bin",
        MALLOC_ARENA_MAX: "2",
        GLIBC_TUNABLES: "glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072",
      },
      execArgv: ["--cpu-prof", "--max-semi-space-size=4"],
    });
  });

  it("leaves other commands, other platforms and an operator's MALLOC_ARENA_MAX alone", () => {
    expect(serveMemoryExec(["trust"], {}, [], "linux")).toBeNull();
    expect(serveMemoryExec([], {}, [], "linux")).toBeNull();
    expect(serveMemoryExec(["serve"], {}, [], "darwin")).toBeNull();
    expect(serveMemoryExec(["serve"], { MALLOC_ARENA_MAX: "8" }, [], "linux")).toBeNull();
  });

  it("keeps the operator's own GLIBC_TUNABLES and semi-space size", () => {
    const exec = serveMemoryExec(
      ["serve"],
      { GLIBC_TUNABLES: "glibc.malloc.tcache_count=0", NODE_OPTIONS: "--max-semi-space-size=8" },
      [],
      "linux",
    );
    expect(exec?.env.GLIBC_TUNABLES).toBe("glibc.malloc.tcache_count=0");
    expect(exec?.env.MALLOC_ARENA_MAX).toBe("2");
    expect(exec?.execArgv).toEqual([]);
    expect(serveMemoryExec(["serve"], {}, ["--max-semi-space-size=4"], "linux")?.execArgv).toEqual([
      "--max-semi-space-size=4",
    ]);
  });
});
