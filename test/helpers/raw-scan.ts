// The raw scanner the at-rest proofs use lives with the code (the live trust probes use it too).
export * from "../../src/privacy/raw-scan.ts";
