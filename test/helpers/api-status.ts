// The HTTP status of an official client's call that must fail: it must fail with the client's APIError.
import OpenAI from "openai";
import { expect } from "vitest";

export async function apiStatus(work: Promise<unknown>): Promise<number> {
  const error = await work.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return (error as InstanceType<typeof OpenAI.APIError>).status ?? 0;
}

/** The status and `param` of a call that must fail with the client's APIError (null if it succeeded). */
export function apiRefusal(work: Promise<unknown>): Promise<{ status: number; param: string | null } | null> {
  return work.then(
    () => null,
    (caught: unknown) => {
      expect(caught).toBeInstanceOf(OpenAI.APIError);
      const error = caught as InstanceType<typeof OpenAI.APIError>;
      return { status: error.status ?? 0, param: error.param ?? null };
    },
  );
}
