// Builds the web app into web/dist, skipping the build when nothing it is built from has changed since
// the last one (a hash of web/'s sources, the build configuration and the lockfile, kept in web/dist).
// `npm start` runs it, so a start after the first one does not wait for a build.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.join(import.meta.dirname, "..");
const web = path.join(root, "web");
const stampFile = path.join(web, "dist", ".build-hash");

function sources(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.name !== "dist" && entry.name !== "node_modules")
    .flatMap((entry) => {
      const full = path.join(directory, entry.name);
      return entry.isDirectory() ? sources(full) : [full];
    })
    .sort();
}

const hash = createHash("sha256");
for (const file of [...sources(web), path.join(root, "package-lock.json")]) {
  hash.update(path.relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
}
const digest = hash.digest("hex");

if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === digest) {
  console.log("The web app is up to date (web/dist).");
} else {
  const result = spawnSync("vite", ["build", "--config", "web/vite.config.ts", "--logLevel", "warn"], {
    cwd: root,
    stdio: "inherit",
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  writeFileSync(stampFile, digest);
}
