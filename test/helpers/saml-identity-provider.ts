// A SAML identity provider for tests, built with samlify (a different library from the SP's
// node-saml), with real RSA keys and self-signed certificates made here. It answers real
// AuthnRequests and can issue responses with any field changed, still properly signed.
import * as xmllint from "@authenio/samlify-node-xmllint";
import * as samlify from "samlify";
import { generate } from "selfsigned";

samlify.setSchemaValidator(xmllint);

const postBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
const redirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

export interface KeyPair {
  privateKey: string;
  certificate: string;
}

export async function makeKeyPair(commonName: string): Promise<KeyPair> {
  const generated = await generate([{ name: "commonName", value: commonName }], {
    keySize: 2048,
    algorithm: "sha256",
  });
  return { privateKey: generated.private, certificate: generated.cert };
}

/** Template tags samlify fills in a login response; tests override any of them. */
export interface ResponseTags {
  ID: string;
  AssertionID: string;
  Destination: string;
  Audience: string;
  SubjectRecipient: string;
  Issuer: string;
  IssueInstant: string;
  ConditionsNotBefore: string;
  ConditionsNotOnOrAfter: string;
  SubjectConfirmationDataNotOnOrAfter: string;
  NameIDFormat: string;
  NameID: string;
  InResponseTo: string;
  StatusCode: string;
}

export interface ServiceProviderView {
  entityId: string;
  acsUrl: string;
  /** What the IdP does for this SP: which parts it signs, and the certificate it encrypts to (if any). */
  signAssertion?: boolean;
  signResponse?: boolean;
  encryptTo?: string;
  /** Algorithm URIs for the encryption (samlify's defaults, RSA-OAEP and AES-256-CBC, when unset). */
  keyTransport?: string;
  contentEncryption?: string;
}

export interface ResponseOptions {
  email: string;
  name?: string;
  inResponseTo?: string;
  tags?: Partial<ResponseTags>;
}

let counter = 0;
const newSamlId = () =>
  `_t${Date.now().toString(36)}${(counter += 1)}${Math.random().toString(36).slice(2, 10)}`;

export class TestIdentityProvider {
  readonly entityId: string;
  readonly ssoUrl: string;
  readonly keys: KeyPair;
  readonly #idp: samlify.IdentityProviderInstance;
  readonly #encryptingIdp: samlify.IdentityProviderInstance;
  readonly #settings: Parameters<typeof samlify.IdentityProvider>[0];

  private constructor(entityId: string, ssoUrl: string, keys: KeyPair) {
    this.entityId = entityId;
    this.ssoUrl = ssoUrl;
    this.keys = keys;
    const settings = {
      entityID: entityId,
      privateKey: keys.privateKey,
      signingCert: keys.certificate,
      requestSignatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
      nameIDFormat: ["urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"],
      singleSignOnService: [{ Binding: redirectBinding, Location: ssoUrl }],
      wantAuthnRequestsSigned: true,
      generateID: newSamlId,
    };
    this.#settings = settings;
    this.#idp = samlify.IdentityProvider(settings);
    this.#encryptingIdp = samlify.IdentityProvider({ ...settings, isAssertionEncrypted: true });
  }

  static async create(options: { entityId?: string; keys?: KeyPair } = {}): Promise<TestIdentityProvider> {
    const entityId = options.entityId ?? "https://idp.example.test/metadata";
    return new TestIdentityProvider(
      entityId,
      "https://idp.example.test/sso",
      options.keys ?? (await makeKeyPair("test-idp")),
    );
  }

  /** Another IdP claiming the same entity id, with its own key: a forger. */
  async impostor(): Promise<TestIdentityProvider> {
    return new TestIdentityProvider(this.entityId, this.ssoUrl, await makeKeyPair("impostor-idp"));
  }

  metadataXml(): string {
    return this.#idp.getMetadata();
  }

  #serviceProvider(view: ServiceProviderView, metadataXml?: string): samlify.ServiceProviderInstance {
    return samlify.ServiceProvider({
      ...(metadataXml
        ? { metadata: metadataXml }
        : {
            entityID: view.entityId,
            assertionConsumerService: [{ Binding: postBinding, Location: view.acsUrl }],
            wantAssertionsSigned: view.signAssertion ?? true,
            ...(view.encryptTo ? { encryptCert: view.encryptTo } : {}),
          }),
      wantMessageSigned: view.signResponse ?? true,
    });
  }

  /** Read the SP's AuthnRequest from the redirect URL, checking its signature against the SP's metadata. */
  async receiveRequest(
    spMetadataXml: string,
    redirectUrl: string,
  ): Promise<{ id: string; relayState: string }> {
    const url = new URL(redirectUrl);
    if (`${url.origin}${url.pathname}` !== this.ssoUrl)
      throw new Error(`Redirected to ${url.origin}${url.pathname}`);
    const query = Object.fromEntries(url.searchParams);
    // The signed octet string is the query as sent, without the Signature parameter.
    const octetString = url.search
      .slice(1)
      .split("&")
      .filter((part) => !part.startsWith("Signature="))
      .join("&");
    const parsed = await this.#idp.parseLoginRequest(
      this.#serviceProvider({ entityId: "", acsUrl: "" }, spMetadataXml),
      "redirect",
      {
        query,
        octetString,
      },
    );
    const extract = parsed.extract as { request?: { id?: string } };
    const id = extract.request?.id;
    if (!id) throw new Error("The AuthnRequest has no ID.");
    return { id, relayState: query.RelayState ?? "" };
  }

  /** The IdP that encrypts for this SP, with the algorithms the view asks for. */
  #encryptor(view: ServiceProviderView): samlify.IdentityProviderInstance {
    if (!view.keyTransport && !view.contentEncryption) return this.#encryptingIdp;
    // samlify reads both algorithms from the entity's settings (its defaults are in entity.js), but
    // its settings type does not declare them.
    const algorithms: { keyEncryptionAlgorithm?: string; dataEncryptionAlgorithm?: string } = {
      ...(view.keyTransport ? { keyEncryptionAlgorithm: view.keyTransport } : {}),
      ...(view.contentEncryption ? { dataEncryptionAlgorithm: view.contentEncryption } : {}),
    };
    return samlify.IdentityProvider({ ...this.#settings, isAssertionEncrypted: true, ...algorithms });
  }

  /** A signed login response (base64) for the SP, with any template tag overridden. */
  async respond(view: ServiceProviderView, options: ResponseOptions): Promise<string> {
    const now = new Date();
    const later = new Date(now.getTime() + 5 * 60_000).toISOString();
    const tags: ResponseTags = {
      ID: newSamlId(),
      AssertionID: newSamlId(),
      Destination: view.acsUrl,
      Audience: view.entityId,
      SubjectRecipient: view.acsUrl,
      Issuer: this.entityId,
      IssueInstant: now.toISOString(),
      ConditionsNotBefore: now.toISOString(),
      ConditionsNotOnOrAfter: later,
      SubjectConfirmationDataNotOnOrAfter: later,
      NameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
      NameID: options.email,
      InResponseTo: options.inResponseTo ?? "",
      StatusCode: "urn:oasis:names:tc:SAML:2.0:status:Success",
      ...options.tags,
    };
    const attributes =
      `<saml:AttributeStatement>` +
      `<saml:Attribute Name="email"><saml:AttributeValue xsi:type="xs:string">${options.email}</saml:AttributeValue></saml:Attribute>` +
      `<saml:Attribute Name="name"><saml:AttributeValue xsi:type="xs:string">${options.name ?? "Test User"}</saml:AttributeValue></saml:Attribute>` +
      `</saml:AttributeStatement>`;
    const authn =
      `<saml:AuthnStatement AuthnInstant="${tags.IssueInstant}" SessionIndex="${tags.AssertionID}">` +
      `<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>` +
      `</saml:AuthnStatement>`;
    const idp = view.encryptTo ? this.#encryptor(view) : this.#idp;
    const result = await idp.createLoginResponse(
      this.#serviceProvider(view),
      { extract: { request: { id: tags.InResponseTo } } },
      "post",
      { email: options.email },
      {
        encryptThenSign: view.encryptTo !== undefined,
        customTagReplacement: (template: string) => {
          let context = samlify.SamlLib.replaceTagsByValue(template, {
            ...tags,
            AuthnStatement: "",
            AttributeStatement: "",
          });
          // The statements go after Conditions, in schema order.
          context = context.replace("</saml:Conditions>", `</saml:Conditions>${authn}${attributes}`);
          if (!options.inResponseTo && !options.tags?.InResponseTo)
            context = context.replaceAll(' InResponseTo=""', "");
          return { id: tags.ID, context };
        },
      },
    );
    return result.context;
  }
}
