import startSes from 'aws-ses-v2-local';
import { httpLocalService, type LocalService } from './service.js';

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
  return httpLocalService('ses', options.port, async () => {
    process.env.AWS_SES_ACCOUNT = JSON.stringify(LOCAL_SES_ACCOUNT);
    return startSes({ host: '127.0.0.1', port: options.port });
  });
}
