/**
 * The entry point of dist/norton.js (`deno task bundle`): `norton` in the main
 * thread, and the import worker in each of its workers.
 *
 * The bundle is one file, so there is no import_worker.ts beside it for a
 * worker to start: each worker starts the bundle itself, in which the import
 * worker's module has set the message handler by the time it is evaluated, and
 * only the main thread runs `norton`. (A worker from a `data:` URL was tried
 * first and fails: the bundle's shim for npm's CommonJS packages needs a file
 * URL.) `deno bundle` keeps `import.meta.main` true only in the entry module,
 * so `norton` is started from here.
 *
 * @module
 */
import "../lib/import_worker.ts";
import { main } from "../cli.ts";
import { useWorkerModule } from "../lib/worker_pool.ts";

if (import.meta.main && !("WorkerGlobalScope" in globalThis)) {
  useWorkerModule(new URL(import.meta.url));
  await main();
}
