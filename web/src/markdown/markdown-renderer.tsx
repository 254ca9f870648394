// react-markdown with GitHub's extensions (tables, task lists, strikethrough, autolinks), highlighted
// code with a copy button, and math through KaTeX when an answer has any. Sanitised by construction:
// no rehype-raw, so HTML in an answer never becomes markup (react-markdown drops it); links go through
// react-markdown's URL filter (no javascript: and the like) and open in a new tab without a referrer.
import { useEffect, useState, type ComponentProps, type ReactElement } from "react";
import ReactMarkdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";
import { CodeBlock } from "./code-block.tsx";
import "./markdown.css";

type PluggableList = NonNullable<ComponentProps<typeof ReactMarkdown>["remarkPlugins"]>;
type MathPlugins = { remarkPlugins: PluggableList; rehypePlugins: PluggableList };
let math: MathPlugins | null = null;
let mathLoading: Promise<MathPlugins> | null = null;
const mathPattern = /\$|\\\(|\\\[/;

/** KaTeX is large: loaded only once some answer has something that looks like math. */
function useMath(text: string): MathPlugins | null {
  const wanted = mathPattern.test(text);
  const [loaded, setLoaded] = useState(math);
  useEffect(() => {
    if (!wanted || loaded) return;
    mathLoading ??= import("./math-plugins.ts").then((module) => (math = module.mathPlugins));
    let live = true;
    void mathLoading.then((plugins) => live && setLoaded(plugins));
    return () => {
      live = false;
    };
  }, [wanted, loaded]);
  return wanted ? loaded : null;
}

function textOf(node: unknown): string {
  if (typeof node === "string") return node;
  if (Array.isArray(node)) return node.map(textOf).join("");
  const element = node as ReactElement<{ children?: unknown }> | null;
  return element?.props ? textOf(element.props.children) : "";
}

const components: Components = {
  pre({ children }) {
    const code = (Array.isArray(children) ? children[0] : children) as ReactElement<{
      className?: string;
      children?: unknown;
    }>;
    const language = /language-([\w+-]+)/.exec(code?.props?.className ?? "")?.[1] ?? "";
    return <CodeBlock language={language} code={textOf(code?.props?.children).replace(/\n$/, "")} />;
  },
  table({ children }) {
    // Wide tables scroll inside the answer, never the page.
    return (
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Table">
        <table>{children}</table>
      </div>
    );
  },
  a({ href, children }: ComponentProps<"a">) {
    return (
      <a href={href} target="_blank" rel="noopener noreferrer nofollow">
        {children}
      </a>
    );
  },
  input({ checked, type }: ComponentProps<"input">) {
    // Task-list boxes show the state the answer gave; they are not controls.
    return type === "checkbox" ? (
      <input type="checkbox" checked={checked} disabled aria-label={checked ? "done" : "not done"} />
    ) : null;
  },
};

export default function MarkdownRenderer({ text }: { text: string }) {
  const plugins = useMath(text);
  return (
    <ReactMarkdown
      remarkPlugins={[remarkGfm, ...(plugins?.remarkPlugins ?? [])]}
      rehypePlugins={plugins?.rehypePlugins ?? []}
      components={components}
    >
      {text}
    </ReactMarkdown>
  );
}
