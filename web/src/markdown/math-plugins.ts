// Math in answers ($...$, $$...$$) typeset by KaTeX: its own bundle with its stylesheet and fonts.
import "katex/dist/katex.min.css";
import rehypeKatex from "rehype-katex";
import remarkMath from "remark-math";
import type { ComponentProps } from "react";
import type ReactMarkdown from "react-markdown";

type PluggableList = NonNullable<ComponentProps<typeof ReactMarkdown>["remarkPlugins"]>;

export const mathPlugins: { remarkPlugins: PluggableList; rehypePlugins: PluggableList } = {
  remarkPlugins: [remarkMath],
  // KaTeX's own trust is off (no \href, \url to javascript:); errors show in place, never throw.
  rehypePlugins: [[rehypeKatex, { throwOnError: false, trust: false, strict: "ignore" }]],
};
