// Loads one /api resource for a screen, with its error shown in place and a way to retry.
import { useCallback, useEffect, useState } from "react";
import { ApiError, call } from "../api.ts";

export interface Resource<T> {
  data: T | null;
  error: string | null;
  reload: () => void;
}

export function useResource<T>(path: string): Resource<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    call<T>("GET", path, undefined, controller.signal)
      .then((result) => {
        setData(result);
        setError(null);
      })
      .catch((failure: Error) => {
        if (failure.name === "AbortError") return;
        setError(failure instanceof ApiError ? failure.message : "Could not load this.");
      });
    return () => controller.abort();
  }, [path, version]);
  const reload = useCallback(() => setVersion((value) => value + 1), []);
  return { data, error, reload };
}

/** Run a change, then reload; a failure is returned for the screen to show. */
export async function change(action: () => Promise<unknown>, reload: () => void): Promise<string | null> {
  try {
    await action();
    reload();
    return null;
  } catch (failure) {
    return failure instanceof ApiError ? failure.message : "The change failed.";
  }
}
