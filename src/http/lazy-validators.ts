// Route validators compiled on a route's first request instead of at start. Fastify compiles every
// route's JSON schemas with Ajv when the app becomes ready: about 0.4 s of a 3.7 s restart on PGlite
// (CPU profile of `serve` to /readyz, 2026-12-07), spent after the database is open, on the path to the
// first answer. Each validator here is the one Fastify's own compiler builds, with the same options
// and the same errors; only the moment differs, and a route never called costs nothing.
import ajvCompiler from "@fastify/ajv-compiler";

type BuildValidator = ReturnType<typeof ajvCompiler>;
type Validate = ReturnType<ReturnType<BuildValidator>>;

/** Fastify's `schemaController.compilersFactory.buildValidator`, deferring each compile to first use. */
export function lazyValidators(build: BuildValidator = ajvCompiler()): BuildValidator {
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    return (route) => {
      let compiled: Validate | undefined;
      // Fastify reads `errors` off the function it was given, after a call that returned false.
      const validate = ((data: unknown) => {
        compiled ??= compile(route);
        const valid = compiled(data);
        validate.errors = compiled.errors;
        return valid;
      }) as Validate;
      return validate;
    };
  };
}
