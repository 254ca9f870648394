// The admin console: members, groups, access, data retention, documents (the embedding model), single
// sign-on, SCIM provisioning, API keys, usage, the audit log, access transparency and compliance (admin
// API keys, the evidence pack).
// It manages the organisation; it never shows anyone's conversations.
import type { Session } from "../api.ts";
import { AppShell, useDrawer } from "../app-shell.tsx";
import { navigate } from "../router.ts";
import { AccessSection } from "./access-section.tsx";
import { ApiSection } from "./api-section.tsx";
import { AuditSection } from "./audit-section.tsx";
import { ComplianceSection } from "./compliance-section.tsx";
import { DataSection } from "./data-section.tsx";
import { DocumentsSection } from "./documents-section.tsx";
import { FineTuningSection } from "./fine-tuning-section.tsx";
import { GroupsSection } from "./groups-section.tsx";
import { MembersSection } from "./members-section.tsx";
import { ScimSection } from "./scim-section.tsx";
import { SsoSection } from "./sso-section.tsx";
import { TransparencySection } from "./transparency-section.tsx";
import { UsageSection } from "./usage-section.tsx";

const sections = [
  { path: "members", label: "Members" },
  { path: "groups", label: "Groups" },
  { path: "access", label: "Access" },
  { path: "data", label: "Data retention" },
  { path: "documents", label: "Documents" },
  { path: "sso", label: "Single sign-on" },
  { path: "scim", label: "Provisioning (SCIM)" },
  { path: "api", label: "API keys" },
  { path: "fine-tuning", label: "Fine-tuning" },
  { path: "usage", label: "Usage" },
  { path: "audit", label: "Audit log" },
  { path: "transparency", label: "Access transparency" },
  { path: "compliance", label: "Compliance" },
] as const;

type SectionPath = (typeof sections)[number]["path"];

function AdminNav({ session, current }: { session: Session; current: SectionPath }) {
  const drawer = useDrawer();
  return (
    <>
      <a className="brand" href="/">
        <span className="brand-mark" aria-hidden="true" />
        Custodian
      </a>
      <nav aria-label="Admin">
        <ul className="admin-nav">
          {sections.map((item) => (
            <li key={item.path}>
              <button
                type="button"
                className={item.path === current ? "conversation active" : "conversation"}
                aria-current={item.path === current ? "page" : undefined}
                onClick={() => {
                  navigate(`/admin/${item.path}`);
                  drawer.close();
                }}
              >
                {item.label}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <footer className="sidebar-footer">
        <span className="who">{session.user.display_name || session.user.email}</span>
        <a className="link" href="/">
          Back to chat
        </a>
      </footer>
    </>
  );
}

export default function AdminPage({ session, section }: { session: Session; section: string }) {
  const current: SectionPath = sections.some((item) => item.path === section)
    ? (section as SectionPath)
    : "members";
  const label = sections.find((item) => item.path === current)!.label;
  return (
    <AppShell
      className="admin"
      sidebarLabel="Admin menu"
      skipTo={{ id: "main", label: "Skip to the content" }}
      sidebar={<AdminNav session={session} current={current} />}
      topBar={<p className="admin-title">Admin console · {label}</p>}
    >
      <main className="admin-main" id="main" tabIndex={-1}>
        {current === "members" && <MembersSection />}
        {current === "groups" && <GroupsSection />}
        {current === "access" && <AccessSection />}
        {current === "data" && <DataSection />}
        {current === "documents" && <DocumentsSection />}
        {current === "sso" && <SsoSection organization={session.organization} />}
        {current === "scim" && <ScimSection />}
        {current === "api" && <ApiSection />}
        {current === "usage" && <UsageSection />}
        {current === "audit" && <AuditSection />}
        {current === "fine-tuning" && <FineTuningSection />}
        {current === "transparency" && <TransparencySection />}
        {current === "compliance" && <ComplianceSection />}
      </main>
    </AppShell>
  );
}
