// Renders a model's Markdown answer. The renderer (react-markdown, GitHub tables and task lists,
// highlighting, KaTeX math) is its own bundle, loaded on the first answer; until then the text shows
// as it is. Raw HTML in an answer is never interpreted (see markdown-renderer.tsx).
import { lazy, Suspense } from "react";

const Renderer = lazy(() => import("./markdown-renderer.tsx"));

export function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <Suspense fallback={<p className="plain-text">{text}</p>}>
        <Renderer text={text} />
      </Suspense>
    </div>
  );
}
