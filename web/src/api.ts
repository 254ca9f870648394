// The web app's client for /api: same-origin fetches with the session cookie, the CSRF header on
// changes, errors as thrown ApiError, and server-sent events read from a POST response.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string | null;
  constructor(status: number, message: string, code: string | null) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function csrfToken(): string {
  const match = /(?:^|;\s*)(?:__Host-)?custodian_csrf=([^;]+)/.exec(document.cookie);
  return match ? decodeURIComponent(match[1]!) : "";
}

async function failure(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: { message?: string; code?: string } };
    return new ApiError(
      response.status,
      body.error?.message ?? response.statusText,
      body.error?.code ?? null,
    );
  } catch {
    return new ApiError(response.status, response.statusText || "The request failed.", null);
  }
}

export async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") headers["x-csrf-token"] = csrfToken();
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    signal,
  });
  if (!response.ok) throw await failure(response);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** POST one file as multipart/form-data (field `file`), with the CSRF header; the JSON answer back. */
export async function upload<T>(path: string, file: File): Promise<T> {
  const form = new FormData();
  form.append("file", file, file.name);
  const response = await fetch(path, {
    method: "POST",
    headers: { "x-csrf-token": csrfToken() },
    body: form,
    credentials: "same-origin",
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

/** POST and read the answer as server-sent events, one parsed JSON object per event. */
export async function stream(
  path: string,
  body: unknown,
  onEvent: (event: Record<string, unknown>) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", "x-csrf-token": csrfToken() },
    body: JSON.stringify(body),
    credentials: "same-origin",
    signal,
  });
  if (!response.ok || !response.body) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event
        .split("\n")
        .filter((line) => line.startsWith("data: "))
        .map((line) => line.slice(6))
        .join("\n");
      if (data) onEvent(JSON.parse(data) as Record<string, unknown>);
    }
  }
}

export interface Session {
  user: { id: string; email: string; display_name: string };
  organization: string;
  /** How this session signed in: "password", "saml", "oidc". */
  method?: string;
}

export interface ConversationSummary {
  id: string;
  title: string | null;
  model: string;
  created_at: string;
  updated_at: string;
  kept_until: string | null;
  pinned: boolean;
  /** In search results: where the words were found in a message (null: in the title). */
  snippet?: string | null;
}

export interface Message {
  id: string;
  /** The message this one follows; null at the root. Siblings are edits or versions. */
  parent_id: string | null;
  role: "system" | "user" | "assistant";
  content: string;
  model: string | null;
  stopped: boolean;
  /** The document passages an answer drew on; empty for none. */
  citations?: Citation[];
  created_at: string;
}

/** A passage an answer was given: [number] in its text. */
export interface Citation {
  number: number;
  document_id: string;
  filename: string;
  page: number | null;
  section: string | null;
  passage: string;
}

/** A file attached to a conversation. */
export interface Attachment {
  id: string;
  filename: string;
  format: string | null;
  bytes: number;
  pages: number | null;
  chunks: number;
  status: "in_progress" | "completed" | "failed";
  error: { code: string; message: string } | null;
  created_at: string;
}

export interface Conversation extends ConversationSummary {
  system_prompt: string | null;
  active_message_id: string | null;
  /** Every message of every branch, in the order written. */
  messages: Message[];
}

/** A model still being prepared (the demo model's first build), with its progress from 0 to 1. */
export interface PreparingModel {
  id: string;
  progress: number;
}

export interface Model {
  id: string;
  owned_by: string;
  /** The built-in demo model: tiny, for trying Custodian out, not for real answers. */
  demo: boolean;
  /** One of the organisation's own fine-tuned models. */
  fine_tuned: boolean;
}

/** Words for a failure, for the place where it is shown. */
export function describeFailure(failure: unknown, fallback: string): string {
  if (failure instanceof ApiError) return failure.message || fallback;
  if (failure instanceof TypeError) return "Custodian could not be reached. Check your connection.";
  return fallback;
}

/** Download a file from /api, reporting the bytes received so far, then hand it to the browser. A
 * `method` other than GET (an export that is audited, so no prefetch may make it) sends the CSRF header. */
export async function download(
  path: string,
  filename: string,
  onProgress: (bytes: number) => void,
  method = "GET",
): Promise<void> {
  const headers: Record<string, string> = method === "GET" ? {} : { "x-csrf-token": csrfToken() };
  const response = await fetch(path, { method, headers, credentials: "same-origin" });
  if (!response.ok || !response.body) throw await failure(response);
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parts.push(value);
    received += value.length;
    onProgress(received);
  }
  const url = URL.createObjectURL(
    new Blob(parts as BlobPart[], { type: response.headers.get("content-type") ?? "" }),
  );
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.click();
  URL.revokeObjectURL(url);
}
