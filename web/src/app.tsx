// The web app's shell: finds the session, then shows sign-in, the chat workspace, a shared
// conversation, the knowledge collections, the admin console or the trust page.
import { lazy, Suspense, useEffect, useState } from "react";
import { call, type Session } from "./api.ts";
import { ChatPage } from "./chat/chat-page.tsx";
import { KnowledgePage } from "./knowledge/knowledge-page.tsx";
import { LinkPage } from "./link-page.tsx";
import { usePath } from "./router.ts";
import { SharedPage } from "./shared-page.tsx";
import { SignInPage } from "./sign-in-page.tsx";
import { TrustPage } from "./trust-page.tsx";

// The admin console is its own bundle: members never download it.
const AdminPage = lazy(() => import("./admin/admin-page.tsx"));

export function App() {
  const path = usePath();
  const [session, setSession] = useState<Session | null | undefined>(undefined);

  useEffect(() => {
    call<Session>("GET", "/api/session")
      .then(setSession)
      .catch(() => setSession(null));
  }, []);

  if (path === "/trust") return <TrustPage />;
  // An invitation or reset link is for the person it names, whoever is signed in on this browser.
  if (path === "/invite" || path === "/reset-password") return <LinkPage onSignedIn={setSession} />;
  if (session === undefined) return <div className="loading" aria-busy="true" />;
  if (session === null) return <SignInPage onSignedIn={setSession} />;
  const admin = /^\/admin(?:\/([\w-]+))?$/.exec(path);
  if (admin) {
    return (
      <Suspense fallback={<div className="loading" aria-busy="true" />}>
        <AdminPage session={session} section={admin[1] ?? "members"} />
      </Suspense>
    );
  }
  if (path === "/knowledge") return <KnowledgePage />;
  const shared = /^\/s\/([\w-]+)$/.exec(path);
  if (shared) return <SharedPage shareId={shared[1]!} />;
  const match = /^\/c\/([\w-]+)$/.exec(path);
  return (
    <ChatPage session={session} conversationId={match?.[1] ?? null} onSignOut={() => setSession(null)} />
  );
}
