// The JSON SCIM clients read: User and Group resources, list responses, and the discovery documents
// (ServiceProviderConfig, ResourceTypes, Schemas) that say what this service provider supports.
import type { ScimGroup } from "./scim-group-service.ts";
import type { ScimPage } from "./scim-paging.ts";
import type { ScimUser } from "./scim-user-service.ts";

export const userSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
export const groupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const listSchema = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

export function userResource(user: ScimUser, base: string): Record<string, unknown> {
  return {
    schemas: [userSchema],
    id: user.id,
    ...(user.externalId !== null ? { externalId: user.externalId } : {}),
    userName: user.userName,
    displayName: user.displayName,
    name: { formatted: user.displayName },
    emails: [{ value: user.userName, type: "work", primary: true }],
    active: user.active,
    meta: {
      resourceType: "User",
      created: user.created.toISOString(),
      lastModified: user.lastModified.toISOString(),
      location: `${base}/Users/${user.id}`,
    },
  };
}

export function groupResource(group: ScimGroup, base: string): Record<string, unknown> {
  return {
    schemas: [groupSchema],
    id: group.id,
    ...(group.externalId !== null ? { externalId: group.externalId } : {}),
    displayName: group.displayName,
    ...(group.members
      ? {
          members: group.members.map((member) => ({
            value: member.id,
            display: member.display,
            $ref: `${base}/Users/${member.id}`,
          })),
        }
      : {}),
    meta: {
      resourceType: "Group",
      created: group.created.toISOString(),
      lastModified: group.lastModified.toISOString(),
      location: `${base}/Groups/${group.id}`,
    },
  };
}

export function listResponse<T>(
  page: ScimPage<T>,
  render: (item: T) => Record<string, unknown>,
): Record<string, unknown> {
  return {
    schemas: [listSchema],
    totalResults: page.totalResults,
    startIndex: page.startIndex,
    itemsPerPage: page.resources.length,
    Resources: page.resources.map(render),
  };
}

export function serviceProviderConfig(base: string): Record<string, unknown> {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    documentationUri: "https://github.com/custodian/custodian#scim",
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: 200 },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: "oauthbearertoken",
        name: "OAuth Bearer Token",
        description: "A per-organisation token made with `custodian scim token --org ID`.",
        primary: true,
      },
    ],
    meta: { resourceType: "ServiceProviderConfig", location: `${base}/ServiceProviderConfig` },
  };
}

export function resourceTypes(base: string): Array<Record<string, unknown>> {
  return [
    {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
      id: "User",
      name: "User",
      endpoint: "/Users",
      schema: userSchema,
      meta: { resourceType: "ResourceType", location: `${base}/ResourceTypes/User` },
    },
    {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
      id: "Group",
      name: "Group",
      endpoint: "/Groups",
      schema: groupSchema,
      meta: { resourceType: "ResourceType", location: `${base}/ResourceTypes/Group` },
    },
  ];
}

function attribute(
  name: string,
  type: string,
  options: { required?: boolean; mutability?: string; uniqueness?: string; multiValued?: boolean } = {},
  subAttributes?: Array<Record<string, unknown>>,
): Record<string, unknown> {
  return {
    name,
    type,
    multiValued: options.multiValued ?? false,
    required: options.required ?? false,
    caseExact: false,
    mutability: options.mutability ?? "readWrite",
    returned: "default",
    uniqueness: options.uniqueness ?? "none",
    ...(subAttributes ? { subAttributes } : {}),
  };
}

export function schemas(base: string): Array<Record<string, unknown>> {
  return [
    {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
      id: userSchema,
      name: "User",
      description: "A user of the organisation; userName is the email address.",
      attributes: [
        attribute("userName", "string", { required: true, uniqueness: "server" }),
        attribute("displayName", "string"),
        attribute("name", "complex", {}, [
          attribute("formatted", "string"),
          attribute("givenName", "string"),
          attribute("familyName", "string"),
        ]),
        attribute("emails", "complex", { multiValued: true }, [
          attribute("value", "string"),
          attribute("type", "string"),
          attribute("primary", "boolean"),
        ]),
        attribute("active", "boolean"),
        attribute("externalId", "string"),
      ],
      meta: { resourceType: "Schema", location: `${base}/Schemas/${userSchema}` },
    },
    {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
      id: groupSchema,
      name: "Group",
      description: "A group of users, to which roles and feature switches attach.",
      attributes: [
        attribute("displayName", "string", { required: true, uniqueness: "server" }),
        attribute("externalId", "string"),
        attribute("members", "complex", { multiValued: true }, [
          attribute("value", "string", { mutability: "immutable" }),
          attribute("display", "string", { mutability: "readOnly" }),
        ]),
      ],
      meta: { resourceType: "Schema", location: `${base}/Schemas/${groupSchema}` },
    },
  ];
}
