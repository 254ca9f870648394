// For transport tests: an address of this machine that is not a loopback address, so a server a test
// starts can be reached the way a server on another host is (the rules for plain text differ there).
import { networkInterfaces } from "node:os";

/** This machine's first non-internal IPv4 address (IPv6 if it has none); throws if it has neither. */
export function nonLoopbackAddress(): string {
  const addresses = Object.values(networkInterfaces()).flatMap((entries) => entries ?? []);
  const external = addresses.filter((entry) => !entry.internal && !entry.address.startsWith("fe80:"));
  const chosen = external.find((entry) => entry.family === "IPv4") ?? external[0];
  if (!chosen) {
    throw new Error("this test needs a network interface with an address that is not a loopback address");
  }
  return chosen.address;
}

/** The address as a URL's host: IPv6 in brackets. */
export function urlHost(address: string): string {
  return address.includes(":") ? `[${address}]` : address;
}
