// PLAT-2: the organisations the live trust probes work in. They are the installation's own (marked
// internal: never listed, never counted as customers), made on first use and kept, each with one probe
// user in its default workspace; probes make their data there and remove it when done.
import type { UserService } from "../identity/user-service.ts";
import type { TenancyService } from "../tenancy/tenancy-service.ts";
import type { Member } from "../workspace/conversation-types.ts";

export interface ProbeOrganization {
  organizationId: string;
  projectId: string;
  /** The probe user, a plain member of the default workspace. */
  member: Member;
}

const names = { first: "Custodian trust probes", second: "Custodian trust probes (isolation)" } as const;

export class ProbeOrganizations {
  readonly #tenancy: TenancyService;
  readonly #users: UserService;
  readonly #made = new Map<keyof typeof names, Promise<ProbeOrganization>>();

  constructor(dependencies: { tenancy: TenancyService; users: UserService }) {
    this.#tenancy = dependencies.tenancy;
    this.#users = dependencies.users;
  }

  /** The first probe organisation (most probes work here). */
  first(): Promise<ProbeOrganization> {
    return this.#get("first");
  }

  /** A second one, for isolation probes: it must see nothing of the first. */
  second(): Promise<ProbeOrganization> {
    return this.#get("second");
  }

  #get(which: keyof typeof names): Promise<ProbeOrganization> {
    let made = this.#made.get(which);
    if (!made) {
      made = this.#make(which);
      // A failed attempt is tried again next time.
      made.catch(() => this.#made.delete(which));
      this.#made.set(which, made);
    }
    return made;
  }

  async #make(which: keyof typeof names): Promise<ProbeOrganization> {
    const { organization, project } = await this.#tenancy.internalOrganization(names[which]);
    const { user } = await this.#users.provisionFromSso({
      organizationId: organization.id,
      provider: "trust-probe",
      externalId: `probe-${which}`,
      email: `probe-${which}@probes.invalid`,
      displayName: "Trust probe",
    });
    const workspace = await this.#users.defaultWorkspace(organization.id);
    return {
      organizationId: organization.id,
      projectId: project.id,
      member: { organizationId: organization.id, workspaceId: workspace.id, userId: user.id },
    };
  }
}
