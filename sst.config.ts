/// <reference path="./.sst/platform/config.d.ts" />

/**
 * AuroraVault on AWS (SST v3 components, `sst` npm package 4.x).
 *
 * The API reads every linked resource from SST_RESOURCE_<Name> variables (src/config.ts,
 * `linkedResources`), so the component names below are part of the contract:
 * Photos, Table, Jobs, JobsDlq, Email, UserPool, UserPoolClient, Bus, CursorSecret, ShareLinkKeys,
 * PhotoUrls (the photo CDN's domain and key id), PhotoSigningKey.
 *
 * SST forbids top-level imports in this file: shared modules are imported dynamically
 * inside run(), which SST's esbuild step bundles like any other relative import.
 *
 * Offline check: test/deploy/sst.test.ts type-checks this file against
 * .sst/platform/config.d.ts (tsconfig.sst.json) and runs run() under Pulumi mocks.
 */
export default $config({
  app(input) {
    return {
      name: "auroravault",
      removal: input?.stage === "production" ? "retain" : "remove",
      home: "aws",
    };
  },
  async run() {
    const { passwordPolicy } = await import("./src/auth/password-policy");
    const { tableSchema } = await import("./src/data/table-schema");
    const { MAX_RECEIVES } = await import("./src/jobs/queue-policy");
    const { GUEST_STAGING_PREFIX } = await import("./src/sharing/staging");
    const { createPublicKey } = await import("node:crypto");

    // Stage-dependent settings come from the environment (SST loads .env.<stage> for each stage).
    const domain = process.env.AURORA_DOMAIN ?? "auroravault.example";
    const alarmEmail = process.env.AURORA_ALARM_EMAIL;
    // Browser origins of the app (comma-separated): the bucket's CORS (presigned PUTs) and the API's
    // CORS_ORIGINS. Never a wildcard: src/config.ts refuses `*` in production.
    const appOrigins = (process.env.AURORA_APP_ORIGINS ?? `https://${domain}`)
      .split(",")
      .map((origin) => origin.trim())
      .filter((origin) => origin.length > 0);

    // ---------------------------------------------------------------- storage and messaging
    // The photo distribution (PhotoCdn, below) needs the bucket, and the bucket policy needs the
    // distribution's ARN: the policy gets it through this deferred output once PhotoCdn exists.
    const [photoCdnArn, setPhotoCdnArn] = $util.deferredOutput<string>();

    const photos = new sst.aws.Bucket("Photos", {
      // No `access`: the bucket stays private (public access block on). Uploads use presigned URLs;
      // downloads go through PhotoCdn, the only principal the policy below lets read (OAC).
      cors: {
        allowOrigins: appOrigins,
        allowMethods: ["PUT", "GET", "HEAD"],
        allowHeaders: ["content-type", "x-amz-checksum-sha256", "content-length"],
        exposeHeaders: ["ETag"],
        maxAge: "1 hour",
      },
      // The component only knows expiration rules; the transform below turns this rule into
      // "abort incomplete multipart uploads after 1 day" (no expiration), and adds the staging rule.
      lifecycle: [{ id: "abort-incomplete-multipart-uploads" }],
      transform: {
        lifecycle: (args) => {
          args.rules = [
            {
              id: "abort-incomplete-multipart-uploads",
              status: "Enabled",
              filter: { prefix: "" },
              abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
            },
            {
              // Guest uploads stream in under this prefix and are deleted once ingested or refused; what a
              // crash left there goes after a day (src/sharing/staging.ts).
              id: "expire-guest-staging",
              status: "Enabled",
              filter: { prefix: GUEST_STAGING_PREFIX },
              expiration: { days: 1 },
              abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
            },
          ];
        },
        // SST's policy (deny non-TLS) plus: PhotoCdn, and only that distribution, may read users/*.
        // A transform rather than the `policy` argument: the component waits for `policy` before
        // it hands out the bucket, which PhotoCdn needs first.
        policy: (args) => {
          args.policy = $resolve([args.policy, args.bucket, photoCdnArn]).apply(([policy, bucket, distributionArn]) => {
            const document = (typeof policy === "string" ? JSON.parse(policy) : policy) as { Statement: unknown[] };
            document.Statement.push({
              Sid: "PhotoCdnReadsUserObjects",
              Effect: "Allow",
              Principal: { Service: "cloudfront.amazonaws.com" },
              Action: "s3:GetObject",
              Resource: `arn:aws:s3:::${bucket}/users/*`,
              Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
            });
            return JSON.stringify(document);
          });
        },
      },
    });

    // The same key design the local stack provisions (src/data/table-schema.ts).
    const [gsi1, gsi2] = tableSchema.globalIndexes;
    const table = new sst.aws.Dynamo("Table", {
      fields: {
        [tableSchema.partitionKey]: "string",
        [tableSchema.sortKey]: "string",
        [gsi1.partitionKey]: "string",
        [gsi1.sortKey]: "string",
        [gsi2.partitionKey]: "string",
        [gsi2.sortKey]: "string",
      },
      primaryIndex: { hashKey: tableSchema.partitionKey, rangeKey: tableSchema.sortKey },
      globalIndexes: {
        [gsi1.name]: { hashKey: gsi1.partitionKey, rangeKey: gsi1.sortKey },
        [gsi2.name]: { hashKey: gsi2.partitionKey, rangeKey: gsi2.sortKey },
      },
      ttl: tableSchema.ttlAttribute,
      stream: "new-and-old-images",
    });

    const jobsDlq = new sst.aws.Queue("JobsDlq", {
      transform: {
        queue: (args) => {
          args.messageRetentionSeconds = 14 * 24 * 60 * 60;
        },
      },
    });

    const jobs = new sst.aws.Queue("Jobs", {
      visibilityTimeout: "60 seconds",
      dlq: { queue: jobsDlq.arn, retry: MAX_RECEIVES },
    });

    const email = new sst.aws.Email("Email", {
      // An address identity: src/config.ts needs `sender` to be an e-mail address (SES_FROM_ADDRESS).
      sender: `noreply@${domain}`,
    });

    const userPool = new sst.aws.CognitoUserPool("UserPool", {
      usernames: ["email"],
      transform: {
        userPool: (args) => {
          args.passwordPolicy = {
            minimumLength: passwordPolicy.minLength,
            requireLowercase: passwordPolicy.requireLowercase,
            requireUppercase: passwordPolicy.requireUppercase,
            requireNumbers: passwordPolicy.requireNumbers,
            requireSymbols: passwordPolicy.requireSymbols,
            temporaryPasswordValidityDays: 7,
          };
          // Codes go out through our SES identity, not Cognito's own sender (about 50 mails a day).
          args.emailConfiguration = {
            emailSendingAccount: "DEVELOPER",
            sourceArn: email.nodes.identity.arn,
            fromEmailAddress: `AuroraVault <noreply@${domain}>`,
          };
        },
      },
    });

    const userPoolClient = userPool.addClient("UserPoolClient", {
      transform: {
        client: (args) => {
          // The API signs users in with USER_PASSWORD_AUTH: no hosted UI, no OAuth flows, no secret.
          args.explicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"];
          args.generateSecret = false;
          args.preventUserExistenceErrors = "ENABLED";
          args.allowedOauthFlowsUserPoolClient = false;
          args.allowedOauthFlows = [];
          args.allowedOauthScopes = [];
          args.callbackUrls = [];
          args.supportedIdentityProviders = ["COGNITO"];
        },
      },
    });

    const bus = new sst.aws.Bus("Bus");

    // HMAC key of the listing cursors (at least 32 characters): `npx sst secret set CursorSecret <value>`.
    const cursorSecret = new sst.Secret("CursorSecret");
    // Share link token keys (src/sharing/link-tokens.ts), JSON {"<kid>": "<secret of 32+ characters>"}:
    //   npx sst secret set ShareLinkKeys "{\"k1\": \"$(openssl rand -hex 32)\"}"
    // Rotation: add a second key to the JSON, set AURORA_SHARE_LINK_KEY_ID to its kid and deploy (new links are
    // signed with it, older ones still verify); remove the old key once its links may go.
    const shareLinkKeys = new sst.Secret("ShareLinkKeys");

    // ---------------------------------------------------------------- photo downloads (CloudFront signed URLs)
    // RSA-2048 private key (PEM) of the photo URLs (src/photos/cloudfront-url-signer.ts):
    //   openssl genrsa -out photo-signing-key.pem 2048
    //   npx sst secret set PhotoSigningKey < photo-signing-key.pem
    // The public key CloudFront trusts is derived from it here, so the two can never disagree.
    // Rotation: deploy a second PublicKey into the key group first, then switch the secret.
    const photoSigningKey = new sst.Secret("PhotoSigningKey");
    const photoPublicKey = new aws.cloudfront.PublicKey("PhotoPublicKey", {
      comment: `AuroraVault photo URLs (${$app.stage})`,
      encodedKey: photoSigningKey.value.apply((pem) =>
        createPublicKey(pem.replace(/\\r?\\n/g, "\n").trim())
          .export({ type: "spki", format: "pem" })
          .toString(),
      ),
    });
    const photoKeyGroup = new aws.cloudfront.KeyGroup("PhotoKeyGroup", {
      comment: `AuroraVault photo URLs (${$app.stage})`,
      items: [photoPublicKey.id],
    });
    const photoOriginAccess = new aws.cloudfront.OriginAccessControl("PhotoOriginAccess", {
      name: `${$app.name}-${$app.stage}-photos`.slice(0, 64),
      description: "PhotoCdn reads the Photos bucket (SigV4-signed origin requests)",
      originAccessControlOriginType: "s3",
      signingBehavior: "always",
      signingProtocol: "sigv4",
    });

    // An original's URL names its download (response-content-disposition, signed into the URL: the name the
    // user gave it). CloudFront passes query strings to the origin only through an origin request policy; this
    // one passes that parameter alone, and the cache key still ignores it (one key always carries one name).
    const photoDownloadNames = new aws.cloudfront.OriginRequestPolicy("PhotoDownloadNames", {
      comment: "Photo originals: pass the signed download name to S3",
      cookiesConfig: { cookieBehavior: "none" },
      headersConfig: { headerBehavior: "none" },
      queryStringsConfig: { queryStringBehavior: "whitelist", queryStrings: { items: ["response-content-disposition"] } },
    });

    const photoCdn = new sst.aws.Cdn("PhotoCdn", {
      comment: `AuroraVault photos (${$app.stage})`,
      origins: [
        {
          originId: "photos",
          domainName: photos.nodes.bucket.bucketRegionalDomainName,
          originAccessControlId: photoOriginAccess.id,
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: "photos",
        viewerProtocolPolicy: "https-only",
        allowedMethods: ["GET", "HEAD"],
        cachedMethods: ["GET", "HEAD"],
        compress: false, // JPEG, WebP, HEIC: already compressed
        // Managed CachingOptimized: no query string, header or cookie in the cache key, so the
        // signed-URL parameters (checked by CloudFront on every request) never split the cache.
        cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
        originRequestPolicyId: photoDownloadNames.id,
        // Every request must carry a URL signed by a key of this group.
        trustedKeyGroups: [photoKeyGroup.id],
      },
    });
    setPhotoCdnArn(photoCdn.nodes.distribution.arn);

    // What the API needs to sign URLs: SST_RESOURCE_PhotoUrls = { domain, keyPairId } (src/config.ts).
    const photoUrls = new sst.Linkable("PhotoUrls", {
      properties: {
        domain: photoCdn.nodes.distribution.domainName,
        keyPairId: photoPublicKey.id,
      },
    });

    // ---------------------------------------------------------------- compute
    const vpc = new sst.aws.Vpc("Vpc");
    const cluster = new sst.aws.Cluster("Cluster", { vpc });

    // Only our distribution may reach the load balancer: the security group admits CloudFront's
    // origin-facing addresses only (any distribution, anyone's), and the listener forwards only
    // requests carrying this secret header, which Cdn adds to every origin request; anything else
    // gets the listener's default 403. Over HTTPS (below), the header cannot be read on the way.
    const cloudfrontOriginFacing = aws.ec2.getManagedPrefixListOutput({
      name: "com.amazonaws.global.cloudfront.origin-facing",
    });
    // A long random value without `*` or `?` (ALB header conditions treat them as wildcards):
    //   npx sst secret set OriginVerifySecret "$(openssl rand -hex 32)"
    const originVerify = new sst.Secret("OriginVerifySecret");
    const ORIGIN_VERIFY_HEADER = "X-Origin-Verify";
    // CloudFront checks that the origin's certificate names the origin's host, and no certificate
    // can name *.elb.amazonaws.com: the ALB gets a name of ours, with an ACM certificate validated
    // in the domain's Route 53 hosted zone (docs/architecture.md, "CloudFront to the ALB").
    const originDomain = `api-origin-${$app.stage}.${domain}`;

    const api = new sst.aws.Service("Api", {
      cluster,
      image: { context: ".", dockerfile: "Dockerfile" },
      cpu: "0.5 vCPU",
      // Shared by the server and its photo decoder processes; TASK_MEMORY_MB sizes the decodes to it
      // (docs/architecture.md, "Processing memory").
      memory: "2 GB",
      environment: {
        TASK_MEMORY_MB: "2048",
        STACK: "aws",
        NODE_ENV: "production",
        HOST: "0.0.0.0",
        PORT: "3000",
        // CloudFront and the ALB: exactly two proxies add X-Forwarded-For entries we can trust.
        TRUST_PROXY: "2",
        // Photo GET URLs are CloudFront signed URLs (PhotoUrls, PhotoSigningKey).
        PHOTO_URLS: "cloudfront",
        CORS_ORIGINS: appOrigins.join(","),
        // Share link URLs point at the app's domain (the /s/ pages are served there, through CloudFront).
        PUBLIC_BASE_URL: `https://${domain}`,
        ...(process.env.AURORA_SHARE_LINK_KEY_ID ? { SHARE_LINK_KEY_ID: process.env.AURORA_SHARE_LINK_KEY_ID } : {}),
      },
      link: [photos, table, jobs, jobsDlq, email, userPool, userPoolClient, bus, cursorSecret, shareLinkKeys, photoUrls, photoSigningKey],
      // Readiness probes SES with GetAccount, an account-level call the Email link does not grant.
      permissions: [{ actions: ["ses:GetAccount"], resources: ["*"] }],
      loadBalancer: {
        domain: { name: originDomain, dns: sst.aws.dns() },
        // A rule with conditions and no unconditional one: the listener's default action is SST's
        // fixed 403, so only requests with the secret header reach the tasks.
        rules: [
          {
            listen: "443/https",
            forward: "3000/http",
            conditions: { header: { name: ORIGIN_VERIFY_HEADER, values: [originVerify.value] } },
          },
        ],
        health: {
          // Liveness, not readiness: if a shared dependency (say SES) is down, failing every task's
          // health check would make ECS replace healthy tasks in a loop; /health/ready is for alarms and people.
          "3000/http": {
            path: "/health/live",
            interval: "15 seconds",
            timeout: "5 seconds",
            healthyThreshold: 2,
            unhealthyThreshold: 3,
            successCodes: "200",
          },
        },
      },
      scaling: {
        min: 2,
        max: 10,
        cpuUtilization: 60,
        memoryUtilization: 70,
      },
      transform: {
        loadBalancerSecurityGroup: (args) => {
          args.ingress = [
            {
              protocol: "tcp",
              fromPort: 443,
              toPort: 443,
              prefixListIds: [cloudfrontOriginFacing.id],
              description: "CloudFront origin-facing, HTTPS only",
            },
          ];
        },
        listener: (args) => {
          // TLS 1.2 and 1.3 only (the default policy still accepts TLS 1.0).
          args.sslPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06";
        },
        // Every open connection is a file descriptor: Fargate's default nofile (65535) written down, so a
        // platform default that changes cannot cap connections (docs/architecture.md, "Overload").
        taskDefinition: (args) => {
          args.containerDefinitions = $resolve([args.containerDefinitions]).apply(([json]) =>
            JSON.stringify(
              (JSON.parse(json) as Record<string, unknown>[]).map((container) => ({
                ...container,
                ulimits: [{ name: "nofile", softLimit: 65535, hardLimit: 65535 }],
              })),
            ),
          );
        },
      },
    });

    const loadBalancer = api.nodes.loadBalancer;

    // ---------------------------------------------------------------- CloudFront in front of the ALB
    const cdn = new sst.aws.Cdn("Cdn", {
      comment: `AuroraVault API (${$app.stage})`,
      origins: [
        {
          originId: "api",
          // The ALB's own name, which its certificate covers (not loadBalancer.dnsName).
          domainName: originDomain,
          customOriginConfig: {
            httpPort: 80,
            httpsPort: 443,
            originProtocolPolicy: "https-only",
            originSslProtocols: ["TLSv1.2"],
            originReadTimeout: 60,
          },
          customHeaders: [{ name: ORIGIN_VERIFY_HEADER, value: originVerify.value }],
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: "api",
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
        cachedMethods: ["GET", "HEAD"],
        compress: true,
        // Managed policies: CachingDisabled, AllViewerExceptHostHeader.
        cachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        originRequestPolicyId: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
      },
    });

    // ---------------------------------------------------------------- alarms
    const alarmTopic = new aws.sns.Topic("AlarmTopic");
    if (alarmEmail) {
      new aws.sns.TopicSubscription("AlarmEmail", {
        topic: alarmTopic.arn,
        protocol: "email",
        endpoint: alarmEmail,
      });
    }
    const alarmActions = [alarmTopic.arn];

    new aws.cloudwatch.MetricAlarm("Api5xxRateAlarm", {
      alarmDescription: "API: more than 1% of requests answered 5xx by the targets over 5 minutes",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
      metricQueries: [
        {
          id: "rate",
          expression: "IF(requests > 0, 100 * errors / requests, 0)",
          label: "Target 5xx rate (%)",
          returnData: true,
        },
        {
          id: "errors",
          metric: {
            namespace: "AWS/ApplicationELB",
            metricName: "HTTPCode_Target_5XX_Count",
            dimensions: { LoadBalancer: loadBalancer.arnSuffix },
            period: 300,
            stat: "Sum",
          },
        },
        {
          id: "requests",
          metric: {
            namespace: "AWS/ApplicationELB",
            metricName: "RequestCount",
            dimensions: { LoadBalancer: loadBalancer.arnSuffix },
            period: 300,
            stat: "Sum",
          },
        },
      ],
      alarmActions,
      okActions: alarmActions,
    });

    new aws.cloudwatch.MetricAlarm("JobsDlqNotEmptyAlarm", {
      alarmDescription: "Jobs dead-letter queue has messages",
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: jobsDlq.nodes.queue.name },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      treatMissingData: "notBreaching",
      alarmActions,
      okActions: alarmActions,
    });

    new aws.cloudwatch.MetricAlarm("ApiCpuHighAlarm", {
      alarmDescription: "API ECS service CPU above 80%",
      namespace: "AWS/ECS",
      metricName: "CPUUtilization",
      dimensions: {
        ClusterName: cluster.nodes.cluster.name,
        ServiceName: api.nodes.service.name,
      },
      statistic: "Average",
      period: 300,
      evaluationPeriods: 2,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 80,
      treatMissingData: "missing",
      alarmActions,
      okActions: alarmActions,
    });

    return {
      url: cdn.url,
      photoCdn: photoCdn.url,
      loadBalancer: api.url,
      bucket: photos.name,
      table: table.name,
      queue: jobs.url,
      userPool: userPool.id,
      userPoolClient: userPoolClient.id,
      bus: bus.name,
      alarmTopic: alarmTopic.arn,
    };
  },
});
