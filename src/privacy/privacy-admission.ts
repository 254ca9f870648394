// Fixes the privacy rules of each /v1 request when it is admitted, so content sent under zero data
// retention is never kept (API-2) even if ZDR is turned off before the observer, off the hot path, gets to it.
import { ExpiringCache } from "../core/expiring-cache.ts";
import type { AdmissionRequest, RequestPolicy } from "../inference/completion-hooks.ts";
import type { ChatRequest } from "../inference/language-model.ts";
import type { EffectivePrivacy, PrivacySettingsService } from "./privacy-settings-service.ts";

/**
 * A short cache keeps the settings lookup off the database for most requests. Staleness cannot
 * loosen anything: the observer also reads the settings when it runs and applies the stricter.
 */
const cacheMs = 5_000;

export class PrivacyAdmission implements RequestPolicy {
  readonly #settings: PrivacySettingsService;
  readonly #cache = new ExpiringCache<EffectivePrivacy>(cacheMs);
  /** Keyed by the request body object, which the completion record carries back unchanged. */
  readonly #admitted = new WeakMap<ChatRequest, EffectivePrivacy>();

  constructor(settings: PrivacySettingsService) {
    this.#settings = settings;
  }

  async admit(request: AdmissionRequest): Promise<void> {
    const { organizationId, projectId } = request.caller;
    const key = `${organizationId}\n${projectId}`;
    const value = await this.#cache.get(key, () => this.#settings.effective(organizationId, projectId));
    this.#admitted.set(request.request, value);
  }

  /** Forget cached settings (after a change in this process). */
  invalidate(): void {
    this.#cache.clear();
  }

  /** The rules fixed when this request was admitted, if it went through admission. */
  admitted(request: ChatRequest): EffectivePrivacy | undefined {
    return this.#admitted.get(request);
  }
}

/** The stricter of two sets of rules: ZDR if either says so, the shorter retention. */
export function stricter(first: EffectivePrivacy, second: EffectivePrivacy | undefined): EffectivePrivacy {
  if (!second) return first;
  return {
    zdr: first.zdr || second.zdr,
    retentionDays: Math.min(first.retentionDays, second.retentionDays),
  };
}
