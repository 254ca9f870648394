// Rate limits and budgets with the window counters in the database (the default store).
import { rateLimitTests } from "./rate-limit-test-suite.ts";

rateLimitTests({ name: "database counters", env: () => ({}), cli: true });
