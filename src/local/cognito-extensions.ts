import type { Services } from 'cognito-local/lib/services';
import type { Route } from 'cognito-local/lib/server/Router';
import { InvalidParameterError, UserNotFoundError } from 'cognito-local/lib/errors';

/**
 * Two Cognito operations cognito-local lacks, written against its own services so that they
 * behave as AWS documents them: ResendConfirmationCode (a fresh code, mailed) and
 * AdminUserGlobalSignOut (every refresh token of the user stops working).
 */
export function cognitoExtensions(services: Services): Record<string, Route> {
  return {
    ResendConfirmationCode: async (ctx, req: { ClientId: string; Username: string; ClientMetadata?: Record<string, string> }) => {
      const userPool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId);
      const user = await userPool.getUserByUsername(ctx, req.Username);
      if (!user) throw new UserNotFoundError();
      if (user.UserStatus !== 'UNCONFIRMED') throw new InvalidParameterError('User is already confirmed.');
      const email = user.Attributes.find((a) => a.Name === 'email')?.Value;
      if (!email) throw new InvalidParameterError('User has no email to send a code to.');
      const details = { AttributeName: 'email' as const, DeliveryMedium: 'EMAIL' as const, Destination: email };
      const code = services.otp();
      await services.messages.deliver(ctx, 'ResendCode', req.ClientId, userPool.options.Id, user, code, req.ClientMetadata, details);
      await userPool.saveUser(ctx, { ...user, ConfirmationCode: code, UserLastModifiedDate: services.clock.get() });
      return { CodeDeliveryDetails: details };
    },
    AdminUserGlobalSignOut: async (ctx, req: { UserPoolId: string; Username: string }) => {
      const userPool = await services.cognito.getUserPool(ctx, req.UserPoolId);
      const user = await userPool.getUserByUsername(ctx, req.Username);
      if (!user) throw new UserNotFoundError();
      await userPool.saveUser(ctx, { ...user, RefreshTokens: [], UserLastModifiedDate: services.clock.get() });
      return {};
    },
  };
}
