// Optional libraries (cloud SDKs, SSO, llama.cpp) are imported at first use: together they doubled the
// server's start-up time and took tens of MB that an installation without those features never needs.

/**
 * A loader that imports a module once, on its first call, and shares that import with every later
 * call. A failed import is not kept: the next call tries again, so a transient failure is not final.
 */
export function lazyModule<Module>(load: () => Promise<Module>): () => Promise<Module> {
  let loading: Promise<Module> | null = null;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = null;
      throw error;
    });
    return loading;
  };
}
