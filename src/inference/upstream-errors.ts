// An upstream exchange's failures as OpenAI-shaped errors that name the server, never the data.
import { errors as undiciErrors } from "undici";
import { CustodianError, errors } from "../core/errors.ts";

/** Turn a failed upstream exchange into an OpenAI-shaped error that names the server, not the data. */
export function upstreamError(name: string, status: number, text: string): CustodianError {
  let message: string | undefined;
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const candidate =
      typeof parsed.error === "string" ? parsed.error : (parsed.error?.message ?? parsed.message);
    if (typeof candidate === "string") message = candidate.slice(0, 500);
  } catch {
    // Not JSON: fall back to a generic message below.
  }
  if (status === 429) return errors.upstream(429, message ?? `The model server '${name}' is rate limiting.`);
  if (status >= 500) return errors.upstream(502, `The model server '${name}' failed (status ${status}).`);
  if (status === 401 || status === 403) {
    // The upstream refused *our* credentials: the caller can do nothing about it.
    return errors.upstream(
      502,
      `The model server '${name}' refused Custodian's credentials (status ${status}).`,
    );
  }
  if (status === 404)
    return errors.upstream(502, `The model server '${name}' does not serve the mapped model.`);
  // 400 and other client errors: the upstream's own words help the caller fix the request.
  return errors.upstream(
    400,
    message ?? `The model server '${name}' rejected the request (status ${status}).`,
  );
}

export function mapTransportError(error: unknown, name: string, signal: AbortSignal): unknown {
  if (error instanceof CustodianError) return error;
  if (signal.aborted) return error;
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return errors.upstreamTimeout(name);
  }
  if (isCertificateError(error)) return errors.upstreamTls(name);
  return errors.upstreamUnreachable(name);
}

/** OpenSSL's verification failures, as Node names them (self-signed, unknown issuer, expired, wrong host). */
function isCertificateError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (
      typeof code === "string" &&
      /CERT|SELF_SIGNED|UNABLE_TO_(GET_ISSUER|VERIFY)|ERR_TLS_CERT_ALTNAME_INVALID/.test(code)
    ) {
      return true;
    }
    current = current.cause;
  }
  return false;
}
