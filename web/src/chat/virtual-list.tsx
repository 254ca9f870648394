// A list that renders only the rows in view (plus a few around them), so ten thousand conversations
// scroll as smoothly as ten. Rows have fixed heights by kind; reaching the end asks for more.
import { useEffect, useRef, useState, type ReactNode } from "react";

export interface VirtualListProps<T> {
  items: readonly T[];
  heightOf: (item: T) => number;
  keyOf: (item: T) => string;
  render: (item: T) => ReactNode;
  /** Called when the end of the list comes into view. */
  onEnd?: () => void;
  label: string;
}

const overscan = 400;

export function VirtualList<T>({ items, heightOf, keyOf, render, onEnd, label }: VirtualListProps<T>) {
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 800 });
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const update = () => setView({ top: element.scrollTop, height: element.clientHeight || 800 });
    update();
    element.addEventListener("scroll", update, { passive: true });
    const observer = new ResizeObserver(update);
    observer.observe(element);
    return () => {
      element.removeEventListener("scroll", update);
      observer.disconnect();
    };
  }, []);
  const offsets: number[] = [];
  let total = 0;
  for (const item of items) {
    offsets.push(total);
    total += heightOf(item);
  }
  // The first row in view, by binary search over the offsets.
  let low = 0;
  let high = items.length;
  const from = Math.max(0, view.top - overscan);
  while (low < high) {
    const middle = (low + high) >> 1;
    if (offsets[middle]! + heightOf(items[middle]!) < from) low = middle + 1;
    else high = middle;
  }
  const until = view.top + view.height + overscan;
  const shown: number[] = [];
  for (let index = low; index < items.length && offsets[index]! < until; index += 1) shown.push(index);
  const last = shown.at(-1);
  useEffect(() => {
    if (onEnd && last !== undefined && last >= items.length - 1) onEnd();
  }, [last, items.length, onEnd]);
  return (
    <div className="virtual-list" ref={box}>
      <ul aria-label={label} style={{ height: total, position: "relative" }}>
        {shown.map((index) => (
          <li
            key={keyOf(items[index]!)}
            style={{
              position: "absolute",
              top: offsets[index],
              left: 0,
              right: 0,
              height: heightOf(items[index]!),
            }}
          >
            {render(items[index]!)}
          </li>
        ))}
      </ul>
    </div>
  );
}
