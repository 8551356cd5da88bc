import type { Server } from 'node:http';
import startSes from 'aws-ses-v2-local';
import type { LocalService } from './service.js';

/** What the local SES answers to GetAccount (it reads this variable on every call). */
const LOCAL_SES_ACCOUNT = {
  DedicatedIpAutoWarmupEnabled: false,
  Details: {
    AdditionalContactEmailAddresses: [],
    ContactLanguage: 'EN',
    MailType: 'TRANSACTIONAL',
    ReviewDetails: { CaseId: 'local', Status: 'GRANTED' },
    UseCaseDescription: 'AuroraVault local development',
    WebsiteURL: 'http://localhost',
  },
  EnforcementStatus: 'HEALTHY',
  ProductionAccessEnabled: true,
  SendingEnabled: true,
  SendQuota: { Max24HourSend: 50000, MaxSendRate: 14, SentLast24Hours: 0 },
  SuppressionAttributes: { SuppressedReasons: [] },
};

/** SES v1/v2 via aws-ses-v2-local: mail is kept in memory and listed at GET /store. */
export function localSes(options: { port: number }): LocalService {
  let server: Server | undefined;
  return {
    name: 'ses',
    endpoint: `http://127.0.0.1:${options.port}`,
    get running() {
      return server !== undefined;
    },
    async start() {
      if (server) return;
      process.env.AWS_SES_ACCOUNT = JSON.stringify(LOCAL_SES_ACCOUNT);
      server = await startSes({ host: '127.0.0.1', port: options.port });
    },
    async stop() {
      const instance = server;
      server = undefined;
      if (!instance) return;
      await new Promise<void>((resolve) => {
        instance.close(() => resolve());
        instance.closeAllConnections();
      });
    },
  };
}
