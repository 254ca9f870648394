// The usage report's rows as the admin API sends them, and token counts in short units (12.5k, 3M).
export interface UsageRow {
  day: string;
  project: string;
  model: string;
  /** The signed-in user for workspace chat; null for API keys. */
  user?: string | null;
  requests: number;
  input_tokens: number;
  output_tokens: number;
}

export function formatTokens(tokens: number): string {
  if (tokens >= 1_000_000) return `${(tokens / 1_000_000).toFixed(tokens >= 10_000_000 ? 0 : 1)}M`;
  if (tokens >= 1_000) return `${(tokens / 1_000).toFixed(tokens >= 10_000 ? 0 : 1)}k`;
  return String(tokens);
}
