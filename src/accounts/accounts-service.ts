import {
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminUserGlobalSignOutCommand,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  ForgotPasswordCommand,
  InitiateAuthCommand,
  ResendConfirmationCodeCommand,
  SignUpCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import type { FastifyBaseLogger } from 'fastify';
import { cognitoProblem, type AccountOperation } from '../auth/cognito-errors.js';
import type { AuthenticatedUser, TokenVerifier } from '../auth/token-verifier.js';
import type { Profile, UsersRepository } from '../data/users.js';
import { HttpProblem } from '../lib/problem.js';

export interface NewUser {
  userId: string;
  email: string;
  name?: string;
}

export interface AccountsDeps {
  cognito: CognitoIdentityProviderClient;
  userPoolId: string;
  clientId: string;
  users: UsersRepository;
  tokens: TokenVerifier;
  /** Called before the profile is created, so a crash in between cannot lose the welcome email. */
  onConfirmed: (user: NewUser) => Promise<void>;
  defaultQuotaBytes: number;
  log: FastifyBaseLogger;
  now?: () => number;
}

export interface Tokens {
  accessToken: string;
  idToken: string;
  refreshToken?: string;
  expiresIn: number;
  tokenType: 'Bearer';
}

/** Work that must happen when an account is deleted, before its Cognito user and profile go. */
export type AccountDeletionHook = (user: AuthenticatedUser) => Promise<void>;

/** Normalised so that Ada@Example.com and ada@example.com are one account. */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/**
 * Accounts on Cognito: sign-up, confirmation, sessions and passwords. Cognito owns credentials;
 * we own the profile (created once on confirmation), token revocation and the welcome email.
 */
export class AccountsService {
  private readonly now: () => number;
  private readonly deletionHooks: AccountDeletionHook[] = [];
  constructor(private readonly deps: AccountsDeps) {
    this.now = deps.now ?? Date.now;
  }

  private async cognitoCall<T>(operation: AccountOperation, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw cognitoProblem(operation, error) ?? error;
    }
  }

  async signUp(input: { email: string; password: string; name?: string }): Promise<{ userId: string }> {
    const { cognito, clientId } = this.deps;
    const email = normaliseEmail(input.email);
    const attributes = [{ Name: 'email', Value: email }, ...(input.name ? [{ Name: 'name', Value: input.name }] : [])];
    const result = await this.cognitoCall('signup', () =>
      cognito.send(new SignUpCommand({ ClientId: clientId, Username: email, Password: input.password, UserAttributes: attributes })),
    );
    return { userId: result.UserSub! };
  }

  async confirm(input: { email: string; code: string }): Promise<void> {
    const email = normaliseEmail(input.email);
    await this.cognitoCall('confirm', () =>
      this.deps.cognito.send(new ConfirmSignUpCommand({ ClientId: this.deps.clientId, Username: email, ConfirmationCode: input.code })),
    );
    await this.ensureProfile(await this.lookUp(email));
  }

  /** 202 whatever the account's state: the answer must not reveal whether it exists. */
  async resendCode(emailInput: string): Promise<void> {
    const email = normaliseEmail(emailInput);
    await this.quietly('resend-code', () =>
      this.deps.cognito.send(new ResendConfirmationCodeCommand({ ClientId: this.deps.clientId, Username: email })),
    );
  }

  async login(input: { email: string; password: string }): Promise<Tokens> {
    const email = normaliseEmail(input.email);
    const result = await this.cognitoCall('login', () =>
      this.deps.cognito.send(
        new InitiateAuthCommand({
          ClientId: this.deps.clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: email, PASSWORD: input.password },
        }),
      ),
    );
    const tokens = this.toTokens(result.AuthenticationResult);
    // A confirmation that crashed before its profile was written is completed here.
    const { sub } = await this.deps.tokens.verifyToken(tokens.accessToken);
    if (!(await this.deps.users.getProfile(sub))) await this.ensureProfile(await this.lookUp(email));
    return tokens;
  }

  async refresh(refreshToken: string): Promise<Tokens> {
    const result = await this.cognitoCall('refresh', () =>
      this.deps.cognito.send(
        new InitiateAuthCommand({
          ClientId: this.deps.clientId,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: refreshToken },
        }),
      ),
    );
    const { refreshToken: _unchanged, ...tokens } = this.toTokens(result.AuthenticationResult);
    return tokens;
  }

  /** Signs the user out everywhere: our API refuses older tokens at once, then Cognito revokes refresh tokens. */
  async logout(user: AuthenticatedUser): Promise<void> {
    await this.endSessions(user.userId, user.username);
  }

  /** 202 whether or not the account exists. */
  async forgotPassword(emailInput: string): Promise<void> {
    const email = normaliseEmail(emailInput);
    await this.quietly('forgot-password', () =>
      this.deps.cognito.send(new ForgotPasswordCommand({ ClientId: this.deps.clientId, Username: email })),
    );
  }

  async resetPassword(input: { email: string; code: string; newPassword: string }): Promise<void> {
    const email = normaliseEmail(input.email);
    await this.cognitoCall('reset-password', () =>
      this.deps.cognito.send(
        new ConfirmForgotPasswordCommand({
          ClientId: this.deps.clientId,
          Username: email,
          ConfirmationCode: input.code,
          Password: input.newPassword,
        }),
      ),
    );
    // Whoever knew the old password may hold tokens: they end with it.
    const user = await this.lookUp(email);
    await this.endSessions(user.userId, user.username);
  }

  async me(user: AuthenticatedUser): Promise<Profile> {
    const profile = await this.deps.users.getProfile(user.userId);
    if (profile) return profile;
    const found = await this.lookUp(user.username);
    return this.ensureProfile(found);
  }

  /** Registers work for account deletion (the photo library removes photos and objects this way). */
  onDeleteAccount(hook: AccountDeletionHook): void {
    this.deletionHooks.push(hook);
  }

  /**
   * Ends every session, runs the deletion hooks (photos, objects), then removes the Cognito user
   * and the profile. A hook that fails leaves the account in place, so signing in again and
   * repeating the deletion finishes the job.
   */
  async deleteAccount(user: AuthenticatedUser): Promise<void> {
    await this.deps.users.revokeTokens(user.userId, this.nowSeconds());
    for (const hook of this.deletionHooks) await hook(user);
    await this.deps.cognito
      .send(new AdminDeleteUserCommand({ UserPoolId: this.deps.userPoolId, Username: user.username }))
      .catch((error: unknown) => {
        if ((error as { name?: string }).name !== 'UserNotFoundException') throw error;
      });
    await this.deps.users.deleteUser(user.userId);
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  private async endSessions(userId: string, username: string): Promise<void> {
    // Tokens issued in this very second end too: JWT times have one-second resolution.
    await this.deps.users.revokeTokens(userId, this.nowSeconds());
    try {
      await this.deps.cognito.send(new AdminUserGlobalSignOutCommand({ UserPoolId: this.deps.userPoolId, Username: username }));
    } catch (error) {
      // Our own revocation already holds for access tokens; the local emulator lacks this call.
      this.deps.log.warn({ err: { name: (error as Error).name } }, 'Cognito global sign-out failed');
    }
  }

  /** Runs a call whose failure must look like success to the client (no user enumeration). */
  private async quietly(operation: AccountOperation, call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (error) {
      const mapped = cognitoProblem(operation, error);
      if (mapped?.statusCode === 429) throw mapped;
      const name = (error as { name?: string }).name;
      const expected = ['UserNotFoundException', 'NotAuthorizedException', 'InvalidParameterException', 'CodeDeliveryFailureException'];
      if (!name || !expected.includes(name)) throw error;
      this.deps.log.info({ operation, cognitoError: name }, 'account operation answered without effect');
    }
  }

  private async lookUp(username: string): Promise<NewUser & { username: string }> {
    const result = await this.deps.cognito.send(new AdminGetUserCommand({ UserPoolId: this.deps.userPoolId, Username: username }));
    const attribute = (name: string) => result.UserAttributes?.find((a) => a.Name === name)?.Value;
    const userId = attribute('sub');
    const email = attribute('email');
    if (!userId || !email) throw new Error('Cognito user without sub or email');
    return { userId, email, name: attribute('name'), username: result.Username ?? username };
  }

  private async ensureProfile(user: NewUser): Promise<Profile> {
    const existing = await this.deps.users.getProfile(user.userId);
    if (existing) return existing;
    await this.deps.onConfirmed(user);
    const profile: Profile = {
      userId: user.userId,
      email: user.email,
      ...(user.name ? { name: user.name } : {}),
      createdAt: new Date(this.now()).toISOString(),
      photoCount: 0,
      bytes: 0,
      quotaBytes: this.deps.defaultQuotaBytes,
    };
    await this.deps.users.createProfile(profile);
    return (await this.deps.users.getProfile(user.userId)) ?? profile;
  }

  private toTokens(result: { AccessToken?: string; IdToken?: string; RefreshToken?: string; ExpiresIn?: number } | undefined): Tokens {
    if (!result?.AccessToken || !result.IdToken) throw new HttpProblem('unauthorized', 'Sign-in needs another step this API does not support');
    return {
      accessToken: result.AccessToken,
      idToken: result.IdToken,
      ...(result.RefreshToken ? { refreshToken: result.RefreshToken } : {}),
      expiresIn: result.ExpiresIn ?? 3600,
      tokenType: 'Bearer',
    };
  }
}
