// The tenancy module: organisations and their projects.
import { TenancyService } from "../../tenancy/tenancy-service.ts";
import { tenancyOperations } from "../../tenancy/tenancy-operations.ts";
import { defineModule } from "../module.ts";

export const tenancyModule = defineModule({
  name: "tenancy",
  needs: {},
  // With the keyring's and audit log's tables: what every other part builds on.
  // The foundation's tables too: keys and the audit log (its Merkle tree since 0900).
  migrations: ["0001-foundation", "0900-audit-transparency-log", "1020-probe-organizations"],
  operations: tenancyOperations,
  create: ({ db, keyring, audit }) => ({ exports: new TenancyService({ db, keyring, audit }) }),
});
