// The privacy module: API retention and zero data retention, HIPAA mode, classifiers and moderation,
// and the retention purge.
import { createPrivacyEngine } from "../../privacy/privacy-engine.ts";
import { privacyOperations } from "../../privacy/privacy-operations.ts";
import { defineModule } from "../module.ts";
import { modelsModule } from "./models-module.ts";

export const privacyModule = defineModule({
  name: "privacy",
  needs: { models: modelsModule },
  migrations: ["0500-privacy", "0630-privacy-oversight"],
  operations: privacyOperations,
  create({ config, db, keyring, audit, logger }, { models }) {
    const privacy = createPrivacyEngine({ db, keyring, audit, models, logger, config });
    return {
      exports: privacy,
      // HIPAA mode first: a backend not covered by a BAA is refused before any work. Admission then
      // fixes the request's privacy rules, so a later change of settings cannot loosen them.
      policies: [privacy.hipaa, privacy.admission],
      observers: [privacy.traffic],
      tasks: [privacy.purgeTask],
      close: () => privacy.stop(),
    };
  },
});
