// Entry point of the web app.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app.tsx";
import "./styles.css";
import "./workspace.css";
import "./chat/chat.css";
import "./knowledge/knowledge.css";
import "./admin/admin.css";
import "./trust.css";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
