// An admin table that scrolls sideways inside itself when it is wider than the screen (never the
// page), reachable by keyboard so its hidden columns can be scrolled to.
import type { ReactNode } from "react";

export function Table({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={label}>
      <table className="table">{children}</table>
    </div>
  );
}
