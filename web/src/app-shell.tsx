// The frame of the chat and the admin console: a sidebar beside the main area on wide screens, and on
// phones a drawer opened from the top bar (closed by Esc, by the backdrop, or by choosing something).
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from "react";

const narrowQuery = "(max-width: 768px)";

export function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => window.matchMedia(narrowQuery).matches);
  useEffect(() => {
    const query = window.matchMedia(narrowQuery);
    const update = () => setNarrow(query.matches);
    query.addEventListener("change", update);
    return () => query.removeEventListener("change", update);
  }, []);
  return narrow;
}

/** Lets what is inside the drawer close it (after a choice, on phones). */
export const DrawerContext = createContext<{ close: () => void }>({ close: () => undefined });
export const useDrawer = () => useContext(DrawerContext);

export function AppShell({
  className,
  sidebarLabel,
  sidebar,
  topBar,
  skipTo,
  children,
}: {
  className: string;
  /** The first stop of the keyboard: a link past the sidebar to the main control. */
  skipTo: { id: string; label: string };
  sidebarLabel: string;
  sidebar: ReactNode;
  /** What the top bar shows beside the menu button (phones) or above the main area. */
  topBar: ReactNode;
  children: ReactNode;
}) {
  const narrow = useNarrow();
  const [open, setOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  const drawer = useRef<HTMLElement>(null);
  const hidden = narrow && !open;

  useEffect(() => {
    if (!narrow) setOpen(false);
  }, [narrow]);

  useEffect(() => {
    if (!open) return;
    drawer.current?.querySelector<HTMLElement>("input, button, a")?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        // Handled: nothing else (such as stopping an answer) acts on this Esc.
        event.preventDefault();
        setOpen(false);
        menuButton.current?.focus();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);

  return (
    <DrawerContext.Provider value={{ close: () => setOpen(false) }}>
      <div className={`${className}${open ? " drawer-open" : ""}`}>
        <a
          className="skip-link"
          href={`#${skipTo.id}`}
          onClick={(event) => {
            // Focus it without changing the address (the app routes by path).
            const target = document.getElementById(skipTo.id);
            if (!target) return;
            event.preventDefault();
            target.focus();
          }}
        >
          {skipTo.label}
        </a>
        <aside
          id="sidebar"
          ref={drawer}
          className="sidebar"
          aria-label={sidebarLabel}
          inert={hidden}
          aria-hidden={hidden || undefined}
        >
          {sidebar}
        </aside>
        {open && <div className="backdrop" aria-hidden="true" onClick={() => setOpen(false)} />}
        <div className="main-column">
          <header className="top-bar">
            {narrow && (
              <button
                type="button"
                ref={menuButton}
                className="icon-button menu-button"
                aria-label={`Open ${sidebarLabel.toLowerCase()}`}
                aria-expanded={open}
                aria-controls="sidebar"
                onClick={() => setOpen(true)}
              >
                ☰
              </button>
            )}
            {topBar}
          </header>
          {children}
        </div>
      </div>
    </DrawerContext.Provider>
  );
}
