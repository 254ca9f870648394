// Rate limits and budgets with the window counters in the database (the default store).
import { rateLimitTests } from "../../test/helpers/rate-limit-tests.ts";

rateLimitTests({ name: "database counters", env: () => ({}), cli: true });
