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
