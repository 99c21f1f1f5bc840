// Applies an export-to-cfn override.ts to a build/ template the way `amplify override api` does
// (the override mutates the CDK constructs; here they are stood in for by the template's JSON),
// and prints the resulting template. Only the type annotations the generator writes are stripped.
// usage: node apply_override.mjs TEMPLATE.json OVERRIDE.ts API_LOGICAL_ID
import { readFileSync } from "node:fs";

const [templatePath, overridePath, api] = process.argv.slice(2);
const template = JSON.parse(readFileSync(templatePath, "utf8"));
let source = readFileSync(overridePath, "utf8")
  .replace(/^import .*$/m, "")
  .replace(/export function override\(resources: \w+, amplifyProjectInfo: \w+\)/, "function override(resources, amplifyProjectInfo)");
const override = new Function(source + "\nreturn override;")();

const resources = template.Resources;
const deploymentId = Object.keys(resources).find((k) => resources[k].Type === "AWS::ApiGateway::Deployment");
// a CDK resource's property overrides, on the template's JSON (path: a top-level property name)
const cfnResource = (id) => ({
  addPropertyOverride(path, value) { template.Resources[id].Properties[path] = value; },
  addPropertyDeletionOverride(path) { delete template.Resources[id].Properties[path]; },
});
const stack = {
  restApi: { body: resources[api].Properties.Body, ...cfnResource(api) },
  // the CDK Stack's construct tree: its children are the template's resources, by logical id
  node: { tryFindChild: (id) => (id in template.Resources ? cfnResource(id) : undefined) },
  deploymentResource: {
    overrideLogicalId(id) {
      const entries = Object.entries(template.Resources).map(([k, v]) => [k === deploymentId ? id : k, v]);
      template.Resources = Object.fromEntries(entries);
    },
  },
  addCfnParameter(props, id) {
    template.Parameters = template.Parameters || {};
    template.Parameters[id] = { Type: props.type, ...(props.default !== undefined ? { Default: props.default } : {}) };
  },
  addCfnResource(props, id) {
    template.Resources[id] = { Type: props.type, Properties: props.properties };
  },
};
override(stack, { envName: "test", projectName: "test" });
process.stdout.write(JSON.stringify(template, null, 2) + "\n");
