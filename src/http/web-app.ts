// Serves the built web app (web/dist): its hashed assets, and index.html for each screen's path.
import { existsSync } from "node:fs";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

export const webDist = path.resolve(import.meta.dirname, "../../web/dist");

/** The app's screens; each answers with index.html and the app routes in the browser. */
const screens = [
  "/",
  "/c/:id",
  "/s/:id",
  "/knowledge",
  "/trust",
  "/admin",
  "/admin/*",
  "/invite",
  "/reset-password",
];

export async function webApp(app: FastifyInstance): Promise<void> {
  if (!existsSync(path.join(webDist, "index.html"))) {
    for (const screen of screens) {
      app.get(screen, async (_request, reply) =>
        reply
          .status(503)
          .type("text/plain; charset=utf-8")
          .send("The web app is not built yet: run `npm run build` (npm start does it for you)."),
      );
    }
    return;
  }
  await app.register(fastifyStatic, {
    root: path.join(webDist, "assets"),
    prefix: "/assets/",
    // File names carry a content hash: they never change, so browsers may keep them.
    immutable: true,
    maxAge: "365d",
    wildcard: false,
  });
  for (const screen of screens) {
    app.get(screen, async (_request, reply) =>
      reply.header("cache-control", "no-cache").sendFile("index.html", webDist),
    );
  }
}
