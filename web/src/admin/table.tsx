// An admin table that scrolls sideways inside itself when it is wider than the screen (never the
// page), reachable by keyboard so its hidden columns can be scrolled to.
import type { ReactNode } from "react";

/** `stacked`: on phones each row becomes a card of "label value" lines (cells carry data-label). */
export function Table({
  label,
  stacked,
  children,
}: {
  label: string;
  stacked?: boolean;
  children: ReactNode;
}) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={label}>
      <table className={stacked ? "table stacked" : "table"}>{children}</table>
    </div>
  );
}
