/// <reference path="./.sst/platform/config.d.ts" />

/**
 * AuroraVault on AWS (SST v3 components, `sst` npm package 4.x).
 *
 * The API reads every linked resource from SST_RESOURCE_<Name> variables (src/config.ts,
 * `linkedResources`), so the component names below are part of the contract:
 * Photos, Table, Jobs, JobsDlq, Email, UserPool, UserPoolClient, Bus, CursorSecret.
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

    // Stage-dependent settings come from the environment (SST loads .env.<stage> for each stage).
    const domain = process.env.AURORA_DOMAIN ?? "auroravault.example";
    const alarmEmail = process.env.AURORA_ALARM_EMAIL;

    // ---------------------------------------------------------------- storage and messaging
    const photos = new sst.aws.Bucket("Photos", {
      // No `access`: the bucket stays private (public access block on); clients use presigned URLs.
      cors: {
        allowOrigins: ["*"],
        allowMethods: ["PUT", "GET", "HEAD"],
        allowHeaders: ["content-type", "x-amz-checksum-sha256", "content-length"],
        exposeHeaders: ["ETag"],
        maxAge: "1 hour",
      },
      // The component only knows expiration rules; the transform below turns this rule into
      // "abort incomplete multipart uploads after 1 day" (no expiration).
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
          ];
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

    // ---------------------------------------------------------------- compute
    const vpc = new sst.aws.Vpc("Vpc");
    const cluster = new sst.aws.Cluster("Cluster", { vpc });

    // Only CloudFront may reach the load balancer.
    const cloudfrontOriginFacing = aws.ec2.getManagedPrefixListOutput({
      name: "com.amazonaws.global.cloudfront.origin-facing",
    });

    const api = new sst.aws.Service("Api", {
      cluster,
      image: { context: ".", dockerfile: "Dockerfile" },
      cpu: "0.5 vCPU",
      memory: "1 GB",
      environment: {
        STACK: "aws",
        NODE_ENV: "production",
        HOST: "0.0.0.0",
        PORT: "3000",
        // CloudFront and the ALB: exactly two proxies add X-Forwarded-For entries we can trust.
        TRUST_PROXY: "2",
      },
      link: [photos, table, jobs, jobsDlq, email, userPool, userPoolClient, bus, cursorSecret],
      // Readiness probes SES with GetAccount, an account-level call the Email link does not grant.
      permissions: [{ actions: ["ses:GetAccount"], resources: ["*"] }],
      loadBalancer: {
        rules: [{ listen: "80/http", forward: "3000/http" }],
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
              fromPort: 80,
              toPort: 80,
              prefixListIds: [cloudfrontOriginFacing.id],
              description: "CloudFront origin-facing",
            },
          ];
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
          domainName: loadBalancer.dnsName,
          customOriginConfig: {
            httpPort: 80,
            httpsPort: 443,
            originProtocolPolicy: "http-only",
            originSslProtocols: ["TLSv1.2"],
            originReadTimeout: 60,
          },
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
