// The download progress bar `custodian models pull` draws on stderr: redrawn in place on a terminal,
// a line every tenth of the way otherwise (logs and CI), so stdout stays free for the result.
import type { DownloadProgress } from "../inference/pull/model-download.ts";

const width = 30;
const mebibyte = 1024 * 1024;

function size(bytes: number): string {
  return `${(bytes / mebibyte).toFixed(1)} MiB`;
}

export function progressBar(stream: NodeJS.WriteStream, label: string) {
  const started = Date.now();
  let lastDraw = 0;
  let lastTenth = -1;
  let drawn = false;

  function line(progress: DownloadProgress): string {
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    const rate = `${size(progress.received / seconds)}/s`;
    if (progress.total === null || progress.total === 0)
      return `${label}  ${size(progress.received)}  ${rate}`;
    const fraction = Math.min(progress.received / progress.total, 1);
    const filled = Math.round(fraction * width);
    const bar = "#".repeat(filled) + ".".repeat(width - filled);
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    return `${label}  [${bar}] ${percent}  ${size(progress.received)}/${size(progress.total)}  ${rate}`;
  }

  return {
    update(progress: DownloadProgress): void {
      if (stream.isTTY) {
        const now = Date.now();
        if (now - lastDraw < 100 && progress.received !== progress.total) return;
        lastDraw = now;
        stream.write(`\r${line(progress)}\u001b[K`);
        drawn = true;
        return;
      }
      const tenth = progress.total ? Math.floor((progress.received / progress.total) * 10) : -1;
      if (tenth > lastTenth) {
        lastTenth = tenth;
        stream.write(`${line(progress)}\n`);
      }
    },
    done(): void {
      if (drawn) stream.write("\n");
    },
  };
}
