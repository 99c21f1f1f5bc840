// Synthesise many Amplify Gen 2 projects in one node process, the way `ampx` does it: tsx runs
// amplify/backend.ts, whose defineBackend makes a cdk.App that synthesises when the process is about
// to exit. For each [backend.ts, outdir] of the jobs file, CDK_OUTDIR and the Amplify backend context
// are set (the App reads both when it is made), the project folder becomes the working directory
// (Amplify finds the project root there), then backend.ts is imported. Used by tests/cdk_apps.py.
// 'aws:cdk:bundling-stacks': [] skips bundling the functions' handlers (esbuild would run per
// function): the API stack does not depend on their code.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const jobs = JSON.parse(readFileSync(process.argv[2], 'utf8'));
for (const [id, [entry, outdir]] of Object.entries(jobs)) {
  process.env.CDK_OUTDIR = outdir;
  process.chdir(dirname(dirname(entry)));
  process.env.CDK_CONTEXT_JSON = JSON.stringify({
    'amplify-backend-namespace': 'exporttocfn', 'amplify-backend-name': 'main', 'amplify-backend-type': 'branch',
    'aws:cdk:bundling-stacks': [],
  });
  try {
    await tsImport(pathToFileURL(entry).href, import.meta.url);
  } catch (e) {
    console.error(`${id}: ${e && e.stack ? e.stack : e}${e && e.cause ? "\ncaused by: " + (e.cause.stack || e.cause) : ""}`);
    process.exit(1);
  }
}
