#!/usr/bin/env node
// Runs sst.config.ts the way `sst deploy` would, but against Pulumi's mock monitor instead of AWS.
//
//   node test/deploy/sst-mock-run.mjs <repo root> <output json> [stage]
//
// 1. Bundles sst.config.ts with esbuild as SST's CLI does (pkg/js/js.go Build, pkg/project/run.go):
//    stdin entry that imports platform/src/auto/run.ts and the config, `$app`/`$cli`/`$dev` defines,
//    platform/src/shim/run.js injected (the `$config`, `$interpolate`, ... globals), `aws` and `sst`
//    imported into every non-.sst file, @pulumi/* etc. left external and resolved from .sst/platform.
// 2. Answers SST's CLI RPC (SST_SERVER) with a fake bootstrap (ECR asset repository) for the region.
// 3. Installs Pulumi mocks (pulumi.runtime.setMocks) that record every resource and invoke, runs the
//    bundle inside a Pulumi stack, then waits for pulumi.runtime.disconnect() so that resources created
//    inside apply() callbacks are recorded too.
// 4. Writes everything it recorded to <output json>. Exit code 0 only if nothing failed.
//
// A separate node process (rather than jest's module registry) keeps this ESM, like SST's own run,
// and keeps Pulumi's global runtime state out of the test process.

import { createRequire } from "node:module";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [rootArg, outArg, stageArg] = process.argv.slice(2);
if (!rootArg || !outArg) {
  console.error("usage: sst-mock-run.mjs <repo root> <output json> [stage]");
  process.exit(2);
}
const root = path.resolve(rootArg);
const outFile = path.resolve(outArg);
const stage = stageArg ?? "test";
const platform = path.join(root, ".sst", "platform");
const configPath = path.join(root, "sst.config.ts");
const region = "us-east-1";
const account = "123456789012";

const started = Date.now();
const errors = [];
const resources = [];
const invokes = [];
const rpcCalls = [];

const debug = process.env.SST_MOCK_DEBUG ? (...a) => console.error(`[${Date.now() - started}ms]`, ...a) : () => {};
const timeoutMs = Number(process.env.SST_MOCK_TIMEOUT_MS ?? 120000);
const watchdog = setTimeout(() => {
  errors.push(`timed out after ${timeoutMs} ms with ${resources.length} resources recorded`);
  console.error(errors.at(-1));
  fs.writeFileSync(outFile, JSON.stringify({ resources, invokes, rpcCalls, errors }, null, 2));
  process.exit(1);
}, timeoutMs);

const record = (message) => {
  errors.push(message);
  console.error(message);
};
process.on("unhandledRejection", (reason) => record(`unhandledRejection: ${reason?.stack ?? reason}`));
process.on("uncaughtException", (error) => record(`uncaughtException: ${error?.stack ?? error}`));

// ------------------------------------------------------------------ preconditions
if (!fs.existsSync(path.join(platform, "config.d.ts"))) {
  console.error(`${platform} is missing: run scripts/sst-install.sh first`);
  process.exit(2);
}
// sst.aws.Service appends ".sst" to the build context's .dockerignore when the line is missing.
// Refuse to run rather than let a test write into the working tree.
const dockerignore = path.join(root, ".dockerignore");
if (!fs.existsSync(dockerignore) || !fs.readFileSync(dockerignore, "utf8").split("\n").some((l) => l.trim() === ".sst")) {
  console.error(".dockerignore must exist and contain a `.sst` line (sst.aws.Service would append it)");
  process.exit(2);
}

const platformRequire = createRequire(path.join(platform, "package.json"));

// ------------------------------------------------------------------ fake SST CLI RPC server
const rpcServer = http.createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    let message;
    try {
      message = JSON.parse(body);
    } catch {
      res.writeHead(400).end("bad json");
      return;
    }
    rpcCalls.push({ method: message.method, params: message.params });
    res.setHeader("content-type", "application/json");
    if (message.method === "Provider.Aws.Bootstrap") {
      res.end(
        JSON.stringify({
          result: {
            asset: `sst-asset-${account}`,
            assetEcrRegistryId: account,
            assetEcrUrl: `${account}.dkr.ecr.${region}.amazonaws.com/sst-asset`,
            state: `sst-state-${account}`,
            appsyncHttp: "",
            appsyncRealtime: "",
          },
        }),
      );
      return;
    }
    record(`unexpected SST RPC call ${message.method}`);
    res.end(JSON.stringify({ error: `rpc: can't find method ${message.method}` }));
  });
});
await new Promise((resolve) => rpcServer.listen(0, "127.0.0.1", resolve));
process.env.SST_SERVER = `http://127.0.0.1:${rpcServer.address().port}`;

// ------------------------------------------------------------------ bundle like SST
const app = {
  name: "auroravault",
  stage,
  removal: stage === "production" ? "retain" : "remove",
  providers: { aws: { region } },
  home: "aws",
  protect: false,
};
const cli = {
  command: "deploy",
  dev: false,
  paths: {
    home: path.join(root, ".sst", "mock-home"),
    root,
    work: path.join(root, ".sst"),
    platform,
  },
  state: { version: {} },
};

// `app()` is SST's to evaluate before run(); do it here to build `$app` from the config itself.
const esbuild = platformRequire("esbuild");
const providerShim = [
  `import * as aws from "@pulumi/aws";`,
  `import * as sst from "${path.join(platform, "src/components").replaceAll("\\", "/")}";`,
].join("\n");

const outfile = path.join(platform, `sst.config.mock-${process.pid}.mjs`);
const shimsSource = `
import path from "node:path";
import { fileURLToPath } from "node:url";
export const __filename = fileURLToPath(import.meta.url);
export const __dirname = path.dirname(__filename);
`;
const build = await esbuild.build({
  banner: {
    js: [
      `import { createRequire as topLevelCreateRequire } from 'module';`,
      `const require = topLevelCreateRequire(import.meta.url);`,
    ].join("\n"),
  },
  mainFields: ["module", "main"],
  format: "esm",
  platform: "node",
  sourcemap: "inline",
  stdin: {
    contents: `
      import { run } from ${JSON.stringify(path.join(platform, "src/auto/run.ts"))};
      import mod from ${JSON.stringify(configPath)};
      export const config = mod;
      export const execute = () => run(mod.run);
    `,
    resolveDir: root,
    sourcefile: "eval.ts",
    loader: "ts",
  },
  nodePaths: [path.join(platform, "node_modules")],
  plugins: [
    {
      name: "InjectGlobals",
      setup(b) {
        b.onLoad({ filter: /\.(js|ts|jsx|tsx)$/ }, async (args) => {
          let contents = await fs.promises.readFile(args.path, "utf8");
          if (!args.path.includes(".sst")) contents = `${providerShim}\n${contents}`;
          const ext = path.extname(args.path).slice(1);
          return { contents, loader: ext };
        });
      },
    },
    {
      name: "EsmShims",
      setup(b) {
        b.onResolve({ filter: /^sst:esm-shims$/ }, () => ({ path: "sst:esm-shims", namespace: "sst-esm-shims" }));
        b.onLoad({ filter: /.*/, namespace: "sst-esm-shims" }, () => ({ contents: shimsSource, loader: "js" }));
      },
    },
  ],
  external: [
    "@pulumi/*",
    "undici",
    "@pulumiverse/*",
    "@sst-provider/*",
    "@aws-sdk/*",
    "esbuild",
    "archiver",
    "glob",
    "vite",
  ],
  define: {
    $app: JSON.stringify(app),
    $cli: JSON.stringify(cli),
    $dev: "false",
  },
  inject: [path.join(platform, "src/shim/run.js"), "sst:esm-shims"],
  outfile,
  write: true,
  bundle: true,
  metafile: true,
  logLevel: "silent",
});
debug("bundled");
const bundledInputs = Object.keys(build.metafile.inputs).filter((f) => !f.includes("node_modules") && !f.includes(".sst"));

// ------------------------------------------------------------------ Pulumi mocks
process.env.PULUMI_CONFIG = JSON.stringify({ "aws:region": region });
const pulumi = platformRequire("@pulumi/pulumi");

const servicePrefix = {
  "aws:s3/": "s3",
  "aws:sqs/": "sqs",
  "aws:dynamodb/": "dynamodb",
  "aws:iam/": "iam",
  "aws:ecs/": "ecs",
  "aws:ec2/": "ec2",
  "aws:lb/": "elasticloadbalancing",
  "aws:cloudwatch/": "cloudwatch",
  "aws:sns/": "sns",
  "aws:cognito/": "cognito-idp",
  "aws:sesv2/": "ses",
  "aws:cloudfront/": "cloudfront",
  "aws:appautoscaling/": "application-autoscaling",
  "aws:servicediscovery/": "servicediscovery",
};

function fakeState(type, name, inputs) {
  const physical = inputs.name ?? inputs.bucket ?? `${name}-${stage}`;
  const service = Object.entries(servicePrefix).find(([p]) => type.startsWith(p))?.[1] ?? "mock";
  const state = { ...inputs, arn: `arn:aws:${service}:${region}:${account}:${physical}` };
  if (!("name" in inputs)) state.name = physical;
  switch (type) {
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2":
      state.bucket = inputs.bucket ?? physical;
      state.arn = `arn:aws:s3:::${state.bucket}`;
      state.bucketDomainName = `${state.bucket}.s3.amazonaws.com`;
      state.bucketRegionalDomainName = `${state.bucket}.s3.${region}.amazonaws.com`;
      break;
    case "aws:sqs/queue:Queue":
      state.arn = `arn:aws:sqs:${region}:${account}:${physical}`;
      state.url = `https://sqs.${region}.amazonaws.com/${account}/${physical}`;
      break;
    case "aws:dynamodb/table:Table":
      state.arn = `arn:aws:dynamodb:${region}:${account}:table/${physical}`;
      state.streamArn = `${state.arn}/stream/2026-01-01T00:00:00.000`;
      break;
    case "aws:lb/loadBalancer:LoadBalancer":
      state.arn = `arn:aws:elasticloadbalancing:${region}:${account}:loadbalancer/app/${physical}/0123456789abcdef`;
      state.arnSuffix = `app/${physical}/0123456789abcdef`;
      state.dnsName = `${physical}-123456.${region}.elb.amazonaws.com`;
      state.zoneId = "Z35SXDOTRQ7X7K";
      break;
    case "aws:lb/targetGroup:TargetGroup":
      state.arnSuffix = `targetgroup/${physical}/0123456789abcdef`;
      break;
    case "aws:cloudfront/distribution:Distribution":
      // The real ARN format; a distinct domain per distribution (the API's keeps the documented example).
      state.arn = `arn:aws:cloudfront::${account}:distribution/${fakeId(type, name)}`;
      state.domainName =
        name === "CdnDistribution" ? "d111111abcdef8.cloudfront.net" : `d${name.toLowerCase().replace(/[^a-z0-9]/g, "")}.cloudfront.net`;
      state.hostedZoneId = "Z2FDTNDATAQYW2";
      state.etag = "E2QWRUHAPOMQZL";
      break;
    case "aws:cognito/userPool:UserPool":
      state.arn = `arn:aws:cognito-idp:${region}:${account}:userpool/${region}_Mock12345`;
      state.endpoint = `cognito-idp.${region}.amazonaws.com/${region}_Mock12345`;
      break;
    case "aws:sesv2/emailIdentity:EmailIdentity":
      state.arn = `arn:aws:ses:${region}:${account}:identity/${inputs.emailIdentity}`;
      break;
    case "aws:cloudwatch/eventBus:EventBus":
      state.arn = `arn:aws:events:${region}:${account}:event-bus/${physical}`;
      break;
    case "aws:ec2/vpc:Vpc":
      state.defaultSecurityGroupId = "sg-default";
      state.defaultRouteTableId = "rtb-default";
      break;
    case "aws:acm/certificate:Certificate":
      // What ACM answers for DNS validation: one CNAME per name, to be created in the hosted zone.
      state.arn = `arn:aws:acm:${region}:${account}:certificate/${fakeId(type, name)}`;
      state.domainValidationOptions = [inputs.domainName, ...(inputs.subjectAlternativeNames ?? [])].map((domainName) => ({
        domainName,
        resourceRecordName: `_mockvalidation.${domainName}.`,
        resourceRecordType: "CNAME",
        resourceRecordValue: "_mockvalidation.acm-validations.aws.",
      }));
      break;
    case "aws:acm/certificateValidation:CertificateValidation":
      state.certificateArn = inputs.certificateArn;
      break;
    case "pulumi-nodejs:dynamic:Resource":
      // SST's Route 53 zone lookup (a dynamic provider): the zone that holds the domain.
      if (name.endsWith(".sst.aws.HostedZoneLookup")) state.zoneId = "Z0MOCKHOSTEDZONE";
      break;
    case "docker-build:index:Image":
      state.digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
      state.ref = `${account}.dkr.ecr.${region}.amazonaws.com/sst-asset@${state.digest}`;
      break;
    default:
      break;
  }
  return state;
}

// Ids in the formats the API validates (src/config.ts) where it matters.
function fakeId(type, name) {
  if (type === "aws:cognito/userPool:UserPool") return `${region}_Mock${name.replace(/[^0-9a-zA-Z]/g, "")}`;
  if (type === "aws:cognito/userPoolClient:UserPoolClient") return `mockclient${name.replace(/[^0-9a-zA-Z]/g, "").toLowerCase()}`;
  if (type === "aws:cloudfront/publicKey:PublicKey") return "K2JCJMDEHXQW5F";
  return `${name}-id`;
}

function policyJson(inputs) {
  const list = (v) => (v === undefined ? undefined : Array.isArray(v) && v.length === 1 ? v[0] : v);
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: (inputs.statements ?? []).map((s) => ({
      Effect: s.effect ?? "Allow",
      Action: list(s.actions),
      Resource: list(s.resources),
      ...(s.principals
        ? {
            Principal: Object.fromEntries(s.principals.map((p) => [p.type === "*" ? "AWS" : p.type, list(p.identifiers)])),
          }
        : {}),
      ...(s.conditions
        ? {
            Condition: Object.fromEntries(s.conditions.map((c) => [c.test, { [c.variable]: list(c.values) }])),
          }
        : {}),
    })),
  });
}

const invokeResults = {
  "aws:index/getRegion:getRegion": () => ({ id: region, name: region, region, description: "US East (N. Virginia)" }),
  "aws:index/getPartition:getPartition": () => ({ id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" }),
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({ id: account, accountId: account, arn: `arn:aws:iam::${account}:user/mock`, userId: "MOCK" }),
  "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
    id: region,
    names: [`${region}a`, `${region}b`, `${region}c`],
    zoneIds: ["use1-az1", "use1-az2", "use1-az4"],
  }),
  "aws:iam/getPolicyDocument:getPolicyDocument": (inputs) => ({
    ...inputs,
    id: "policy",
    json: policyJson(inputs),
    minifiedJson: policyJson(inputs),
  }),
  "aws:ecr/getAuthorizationToken:getAuthorizationToken": () => ({
    id: account,
    authorizationToken: "bW9jazptb2Nr",
    proxyEndpoint: `https://${account}.dkr.ecr.${region}.amazonaws.com`,
    userName: "AWS",
    password: "mock",
    expiresAt: "2099-01-01T00:00:00Z",
  }),
  "aws:ec2/getManagedPrefixList:getManagedPrefixList": (inputs) => ({ id: "pl-3b927c52", name: inputs.name, entries: [] }),
};

await pulumi.runtime.setMocks(
  {
    newResource(args) {
      debug("resource", args.type, args.name);
      resources.push({ type: args.type, name: args.name, custom: args.custom, inputs: args.inputs });
      return { id: fakeId(args.type, args.name), state: fakeState(args.type, args.name, args.inputs) };
    },
    call(args) {
      debug("invoke", args.token);
      invokes.push({ token: args.token, inputs: args.inputs });
      const handler = invokeResults[args.token];
      if (!handler) {
        record(`unmocked invoke ${args.token}`);
        return {};
      }
      return handler(args.inputs);
    },
  },
  app.name,
  app.stage,
  false,
);

// ------------------------------------------------------------------ run
let outputs;
try {
  const mod = await import(pathToFileURL(outfile).href);
  debug("imported");
  const appConfig = {};
  for (const s of [stage, "production"]) appConfig[s] = await mod.config.app({ stage: s });
  const stackOutputs = await pulumi.runtime.runInPulumiStack(() => mod.execute());
  debug("program done", resources.length);
  await pulumi.runtime.disconnect();
  debug("disconnected", resources.length);
  outputs = stackOutputs;
  fs.writeFileSync(
    outFile,
    JSON.stringify(
      { appConfig, bundledInputs, resources, invokes, rpcCalls, errors, outputs, durationMs: Date.now() - started },
      (_key, value) => (typeof value === "bigint" ? value.toString() : value),
      2,
    ),
  );
} catch (error) {
  record(`run failed: ${error?.stack ?? error}`);
  fs.writeFileSync(outFile, JSON.stringify({ resources, invokes, rpcCalls, errors }, null, 2));
} finally {
  if (!process.env.SST_MOCK_KEEP) fs.rmSync(outfile, { force: true });
  rpcServer.close();
  clearTimeout(watchdog);
}
process.exit(errors.length ? 1 : 0);
