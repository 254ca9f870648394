// The chat's sidebar: a new chat, the conversation list, and the user's own things (custom
// instructions, export, trust page, admin console, sign out).
import { useEffect, useState } from "react";
import { call, describeFailure, download, type Session } from "../api.ts";
import { useDrawer } from "../app-shell.tsx";
import { navigate } from "../router.ts";
import { ConversationList, type ListUpdate } from "./conversation-list.tsx";
import { TextDialog } from "./text-dialog.tsx";
import { PasswordDialog } from "../password-dialog.tsx";

export function ChatSidebar({
  session,
  activeId,
  update,
  onShare,
  onDeleted,
  onSignOut,
}: {
  session: Session;
  activeId: string | null;
  update: ListUpdate | null;
  onShare?: ((id: string) => void) | undefined;
  onDeleted: (id: string) => void;
  onSignOut: () => void;
}) {
  const drawer = useDrawer();
  const [isAdmin, setIsAdmin] = useState(false);
  const [exporting, setExporting] = useState<number | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [instructions, setInstructions] = useState<string | null | undefined>(undefined);
  const [changingPassword, setChangingPassword] = useState(false);

  useEffect(() => {
    // Anyone with a permission beyond chatting gets the admin console's link.
    call<{ permissions: string[] }>("GET", "/api/admin/me")
      .then((me) => setIsAdmin(me.permissions.some((permission) => permission !== "conversations.use")))
      .catch(() => setIsAdmin(false));
  }, []);

  async function exportAll() {
    setExporting(0);
    setProblem(null);
    try {
      await download("/api/export", "custodian-conversations.json", setExporting);
    } catch (failure) {
      setProblem(describeFailure(failure, "The export failed. Try again."));
    } finally {
      setExporting(null);
    }
  }

  async function openInstructions() {
    try {
      setInstructions((await call<{ instructions: string | null }>("GET", "/api/preferences")).instructions);
    } catch (failure) {
      setProblem(describeFailure(failure, "Could not load your custom instructions."));
    }
  }

  return (
    <>
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        Custodian
      </div>
      <button
        type="button"
        className="button primary new-chat"
        onClick={() => {
          navigate("/");
          drawer.close();
        }}
      >
        New chat
      </button>
      <ConversationList
        activeId={activeId}
        update={update}
        callbacks={{
          onOpen: (id) => {
            navigate(`/c/${id}`);
            drawer.close();
          },
          onDeleted,
          onShare,
        }}
      />
      <footer className="sidebar-footer">
        <span className="who" title={session.user.email}>
          {session.user.display_name || session.user.email}
        </span>
        {problem && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        <button type="button" className="link" onClick={() => void openInstructions()}>
          Custom instructions
        </button>
        <button type="button" className="link" onClick={() => void exportAll()} disabled={exporting !== null}>
          {exporting === null ? "Export my data" : `Exporting… ${Math.round(exporting / 1024)} KB`}
        </button>
        {session.method === "password" && (
          <button type="button" className="link" onClick={() => setChangingPassword(true)}>
            Change password
          </button>
        )}
        <a className="link" href="/knowledge">
          Knowledge
        </a>
        <a className="link" href="/trust">
          Trust
        </a>
        {isAdmin && (
          <a className="link" href="/admin">
            Admin
          </a>
        )}
        <button
          type="button"
          className="link"
          onClick={() =>
            void call("DELETE", "/api/session")
              .catch(() => undefined)
              .then(onSignOut)
          }
        >
          Sign out
        </button>
      </footer>
      {changingPassword && <PasswordDialog onClose={() => setChangingPassword(false)} />}
      {instructions !== undefined && (
        <TextDialog
          title="Custom instructions"
          label="What should every answer take into account?"
          description="Sent with every chat you start or continue. Stored encrypted; only you can read them."
          initial={instructions ?? ""}
          onClose={() => setInstructions(undefined)}
          onSave={async (text) => {
            await call("PUT", "/api/preferences", { instructions: text });
          }}
        />
      )}
    </>
  );
}
