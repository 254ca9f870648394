// A running Custodian with a SAML connection to a samlify test IdP: drives SP-initiated logins and
// posts responses to the ACS endpoint over real HTTP.
import { adminOperations } from "../../src/platform/operations.ts";
import { startTestPlatform, type TestPlatform } from "./platform.ts";
import { TestIdentityProvider, type ServiceProviderView } from "./saml-identity-provider.ts";

export interface AcsResult {
  status: number;
  location: string | null;
  cookies: string[];
}

export interface SamlFixture {
  platform: TestPlatform;
  idp: TestIdentityProvider;
  organization: string;
  /** How the IdP sees this SP: entity id and ACS URL, as the SP's metadata gives them. */
  view: ServiceProviderView;
  spMetadata: string;
  /** Start an SP-initiated login through the real endpoint; the IdP reads and verifies the request. */
  startLogin(returnTo?: string): Promise<{ requestId: string; relayState: string }>;
  postResponse(samlResponse: string, relayState?: string): Promise<AcsResult>;
  sessionCount(): Promise<number>;
  close(): Promise<void>;
}

export async function startSamlFixture(
  options: { idpInitiated?: boolean; platform?: Parameters<typeof startTestPlatform>[0] } = {},
): Promise<SamlFixture> {
  const platform = await startTestPlatform(options.platform);
  const idp = await TestIdentityProvider.create();
  const organization = platform.organization;
  const base = platform.server.url;
  const operations = adminOperations(platform.server.platform, "test");
  const configured = (await operations.setSamlConnection({
    organization,
    metadata: idp.metadataXml(),
    base_url: base,
    idp_initiated: options.idpInitiated ?? false,
  })) as { sp_entity_id: string; acs_url: string };
  const metadataResponse = await fetch(`${base}/sso/saml/${organization}/metadata`);
  if (metadataResponse.status !== 200) throw new Error(`SP metadata: ${metadataResponse.status}`);
  const spMetadata = await metadataResponse.text();
  const view = { entityId: configured.sp_entity_id, acsUrl: configured.acs_url };
  const db = platform.server.platform.db;
  return {
    platform,
    idp,
    organization,
    view,
    spMetadata,
    async startLogin(returnTo = "/") {
      const response = await fetch(
        `${base}/sso/saml/${organization}/login?return_to=${encodeURIComponent(returnTo)}`,
        { redirect: "manual" },
      );
      const location = response.headers.get("location");
      if (response.status !== 302 || !location) throw new Error(`login start: ${response.status}`);
      const request = await idp.receiveRequest(spMetadata, location);
      return { requestId: request.id, relayState: request.relayState };
    },
    async postResponse(samlResponse, relayState) {
      const body = new URLSearchParams({
        SAMLResponse: samlResponse,
        ...(relayState ? { RelayState: relayState } : {}),
      });
      const response = await fetch(view.acsUrl, {
        method: "POST",
        body,
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://idp.example.test" },
      });
      await response.arrayBuffer();
      return {
        status: response.status,
        location: response.headers.get("location"),
        cookies: response.headers.getSetCookie(),
      };
    },
    async sessionCount() {
      const row = await db
        .selectFrom("sessions")
        .select((expression) => expression.fn.countAll<number>().as("count"))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
    close: () => platform.close(),
  };
}
