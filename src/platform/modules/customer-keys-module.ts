// The customer-managed keys module: an organisation may wrap its data keys with its own key service,
// and while that key is revoked its /v1 requests get a clear 403 before any work.
import { customerKeyOperations } from "../../crypto/customer-key-operations.ts";
import { defineModule } from "../module.ts";

export const customerKeysModule = defineModule({
  name: "customer-keys",
  needs: {},
  migrations: ["0200-customer-keys"],
  operations: customerKeyOperations,
  create: ({ keyring }) => ({
    exports: {},
    // First of all policies: a revoked key stops the organisation before anything else is asked.
    policies: [{ admit: ({ caller }) => keyring.assertAvailable(caller.organizationId) }],
  }),
});
