// Synthesise many generated CDK apps in one node process (aws-cdk-lib loads once): for each
// [entry, outdir] of the jobs file, CDK_OUTDIR=outdir, then require(entry), whose app.synth() writes
// the cloud assembly there. Used by tests/cdk_apps.py.
const fs = require('fs');
const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
for (const [id, [entry, outdir]] of Object.entries(jobs)) {
  process.env.CDK_OUTDIR = outdir;
  try {
    require(entry);
  } catch (e) {
    console.error(`${id}: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  }
}
