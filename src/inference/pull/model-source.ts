// Where a model pull downloads from: `hf:<owner>/<repo>/<file.gguf>` on the Hugging Face hub, or a
// plain https URL (http only to a loopback address), and the id and file name it gets here.
import { isIP } from "node:net";
import { errors } from "../../core/errors.ts";

export interface ModelSource {
  /** As the operator wrote it, for the registry. */
  spec: string;
  url: string;
  /** The file name to keep it under. */
  fileName: string;
  /** The id clients will use unless the operator chooses one. */
  suggestedId: string;
}

const hfPattern = /^hf:([A-Za-z0-9][\w.-]*)\/([A-Za-z0-9][\w.-]*)\/((?:[\w.-]+\/)*[\w.-]+\.gguf)$/;

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}

function baseName(file: string): string {
  return file.split("/").at(-1) ?? file;
}

export function resolveModelSource(spec: string, hfEndpoint: string): ModelSource {
  const hf = hfPattern.exec(spec);
  if (hf && !hf[3]!.split("/").some((segment) => /^\.+$/.test(segment))) {
    const [, owner, repo, file] = hf as unknown as [string, string, string, string];
    const encodedFile = file.split("/").map(encodeURIComponent).join("/");
    const fileName = baseName(file);
    return {
      spec,
      url: `${hfEndpoint}/${owner}/${repo}/resolve/main/${encodedFile}`,
      fileName,
      suggestedId: fileName.replace(/\.gguf$/, "").toLowerCase(),
    };
  }
  if (spec.startsWith("hf:")) {
    throw errors.invalidRequest("Write a hub model as hf:<owner>/<repo>/<file.gguf>.", "source");
  }
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw errors.invalidRequest("Pull from hf:<owner>/<repo>/<file.gguf> or an https URL.", "source");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.hostname))) {
    // Weights are code-adjacent: fetch them over verified TLS, except from this machine.
    throw errors.invalidRequest(
      "Model URLs must use https (plain http only on a loopback address).",
      "source",
    );
  }
  const fileName = decodeURIComponent(baseName(url.pathname)) || "model.gguf";
  if (!/^[\w.-]+$/.test(fileName)) {
    throw errors.invalidRequest("The URL's file name must be letters, digits, '.', '_' or '-'.", "source");
  }
  const withExtension = fileName.endsWith(".gguf") ? fileName : `${fileName}.gguf`;
  return {
    spec,
    url: url.toString(),
    fileName: withExtension,
    suggestedId: withExtension.replace(/\.gguf$/, "").toLowerCase(),
  };
}
