import {
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminUserGlobalSignOutCommand,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  ForgotPasswordCommand,
  InitiateAuthCommand,
  ResendConfirmationCodeCommand,
  RevokeTokenCommand,
  SignUpCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { createHash } from 'node:crypto';
import type { CognitoAccessTokenPayload } from 'aws-jwt-verify/jwt-model';
import type { FastifyBaseLogger } from 'fastify';
import { cognitoProblem, type AccountOperation } from '../auth/cognito-errors.js';
import { newSessionVerdict, sessionId, type Revocation } from '../auth/revocation.js';
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

/** Records an account deletion durably; the feature behind it removes the user's data later (see deleteAccount). */
export type AccountDeletionHook = (user: AuthenticatedUser) => Promise<void>;

/** Ties a pending sign-out to the reset that owes it, without storing the code itself. */
const resetProof = (userId: string, code: string) => createHash('sha256').update(`${userId}:${code}`).digest('base64url');

/** Normalised so that Ada@Example.com and ada@example.com are one account. */
const normaliseEmail = (email: string) => email.trim().toLowerCase();

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
    const { tokens, claims } = await this.openSession(async () => {
      const result = await this.cognitoCall('login', () =>
        this.deps.cognito.send(
          new InitiateAuthCommand({
            ClientId: this.deps.clientId,
            AuthFlow: 'USER_PASSWORD_AUTH',
            AuthParameters: { USERNAME: email, PASSWORD: input.password },
          }),
        ),
      );
      return this.toTokens(result.AuthenticationResult);
    });
    // A confirmation that crashed before its profile was written is completed here.
    const profile = await this.deps.users.getProfile(claims.sub);
    if (!profile) await this.ensureProfile(await this.lookUp(email));
    else await this.indexEmail(profile);
    return tokens;
  }

  async refresh(refreshToken: string): Promise<Tokens> {
    const { tokens } = await this.openSession(async () => {
      const result = await this.cognitoCall('refresh', () =>
        this.deps.cognito.send(
          new InitiateAuthCommand({
            ClientId: this.deps.clientId,
            AuthFlow: 'REFRESH_TOKEN_AUTH',
            AuthParameters: { REFRESH_TOKEN: refreshToken },
          }),
        ),
      );
      const { refreshToken: _unchanged, ...fresh } = this.toTokens(result.AuthenticationResult);
      return fresh;
    });
    return tokens;
  }

  /**
   * Signs the user out everywhere. Cognito first: if it fails, nothing has changed and the caller
   * (whose access token still works) repeats the call; then our API refuses older tokens.
   */
  async logout(user: AuthenticatedUser): Promise<void> {
    await this.signOutAtCognito(user.username);
    await this.deps.users.revokeTokens(user.userId, this.nowSeconds());
  }

  /** 202 whether or not the account exists. */
  async forgotPassword(emailInput: string): Promise<void> {
    const email = normaliseEmail(emailInput);
    await this.quietly('forgot-password', () =>
      this.deps.cognito.send(new ForgotPasswordCommand({ ClientId: this.deps.clientId, Username: email })),
    );
  }

  /**
   * Sets the new password, then ends every session (whoever knew the old password may hold
   * tokens). If Cognito's sign-out fails the answer is a 503 and the same request can be repeated:
   * the code is spent by then, so the revocation record keeps proof of it until the sign-out is done.
   */
  async resetPassword(input: { email: string; code: string; newPassword: string }): Promise<void> {
    const email = normaliseEmail(input.email);
    try {
      await this.deps.cognito.send(
        new ConfirmForgotPasswordCommand({
          ClientId: this.deps.clientId,
          Username: email,
          ConfirmationCode: input.code,
          Password: input.newPassword,
        }),
      );
    } catch (error) {
      const spentCode = ['CodeMismatchException', 'ExpiredCodeException'].includes((error as { name?: string }).name ?? '');
      if (!spentCode || !(await this.finishPendingReset(email, input.code))) throw cognitoProblem('reset-password', error) ?? error;
      return;
    }
    const user = await this.lookUp(email);
    // Older access tokens end at once, whatever Cognito does next.
    await this.deps.users.revokeTokens(user.userId, this.nowSeconds(), { pendingSignOut: resetProof(user.userId, input.code) });
    await this.signOutAtCognito(user.username);
    // Again: tokens refreshed between the first record and the sign-out end too (and the proof goes).
    await this.deps.users.revokeTokens(user.userId, this.nowSeconds());
  }

  /** A repeated reset whose sign-out failed last time: true when it is finished now. */
  private async finishPendingReset(email: string, code: string): Promise<boolean> {
    const user = await this.lookUp(email).catch(() => undefined);
    if (!user) return false;
    const revocation = await this.deps.users.revocation(user.userId);
    if (!revocation?.pendingSignOut || revocation.pendingSignOut !== resetProof(user.userId, code)) return false;
    await this.signOutAtCognito(user.username);
    await this.deps.users.revokeTokens(user.userId, this.nowSeconds());
    return true;
  }

  async me(user: AuthenticatedUser): Promise<Profile> {
    const profile = await this.deps.users.getProfile(user.userId);
    if (profile) {
      await this.indexEmail(profile);
      return profile;
    }
    const found = await this.lookUp(user.username);
    return this.ensureProfile(found);
  }

  /**
   * Registers the feature that carries account deletions out (the photo library: a job removes
   * photos, objects and the profile). A hook must record the deletion durably before it returns.
   */
  onDeleteAccount(hook: AccountDeletionHook): void {
    this.deletionHooks.push(hook);
  }

  /**
   * Makes the account unusable at once and hands the removal of its data to the hooks, so a large
   * library never outlives the request. Order: the hooks record the deletion (durable from then on);
   * the Cognito user goes (no sign-in, no refresh, the email free again); our API refuses the access
   * tokens. A failure at any step leaves the caller's token working, so the request can be repeated
   * (each step is idempotent). Without hooks the profile goes here too.
   */
  async deleteAccount(user: AuthenticatedUser): Promise<void> {
    for (const hook of this.deletionHooks) await hook(user);
    try {
      await this.deps.cognito.send(new AdminDeleteUserCommand({ UserPoolId: this.deps.userPoolId, Username: user.username }));
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name !== 'UserNotFoundException') {
        this.deps.log.warn({ err: { name } }, 'Cognito user not deleted');
        throw new HttpProblem('unavailable', 'Deleting the account at the identity provider failed; repeat the request', {}, { 'retry-after': '5' });
      }
    }
    await this.deps.users.revokeTokens(user.userId, this.nowSeconds());
    if (this.deletionHooks.length === 0) await this.deps.users.deleteUser(user.userId);
  }

  /**
   * Profiles created before sharing by email get their account-by-email item the first time they are
   * read here (login, GET /v1/me): a flag on the profile already read, so one write, once.
   */
  private async indexEmail(profile: Profile): Promise<void> {
    if (!profile.emailIndexed) await this.deps.users.indexEmail(profile);
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Revokes every refresh token of the user at Cognito; fails closed (503) when Cognito cannot. */
  private async signOutAtCognito(username: string): Promise<void> {
    try {
      await this.deps.cognito.send(new AdminUserGlobalSignOutCommand({ UserPoolId: this.deps.userPoolId, Username: username }));
    } catch (error) {
      const name = (error as { name?: string }).name;
      // A user that no longer exists has no sessions left to end.
      if (name === 'UserNotFoundException') return;
      this.deps.log.warn({ err: { name } }, 'Cognito global sign-out failed');
      throw new HttpProblem('unavailable', 'Signing out at the identity provider failed; repeat the request', {}, { 'retry-after': '5' });
    }
  }

  /**
   * Asks Cognito for tokens (login, refresh) and returns them once our API accepts them. Tokens
   * issued in the second of a logout or reset are admitted by session id when that revocation is
   * known to predate them; otherwise Cognito is asked once more, with the revocation read first.
   */
  private async openSession(issue: () => Promise<Tokens>): Promise<{ tokens: Tokens; claims: CognitoAccessTokenPayload }> {
    let before: Revocation | undefined;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const tokens = await issue();
      const claims = await this.deps.tokens.verifyToken(tokens.accessToken);
      const after = await this.deps.users.revocation(claims.sub);
      const verdict = newSessionVerdict(claims, before, after);
      if (verdict === 'valid') return { tokens, claims };
      if (verdict === 'admit' && (await this.deps.users.admitSession(claims.sub, after!, sessionId(claims)))) {
        return { tokens, claims };
      }
      await this.discard(tokens);
      before = await this.deps.users.revocation(claims.sub);
    }
    throw new HttpProblem('unavailable', 'This account is being signed out right now; try again', {}, { 'retry-after': '1' });
  }

  /** Tokens we will not hand out: their refresh token must not stay usable at Cognito. */
  private async discard(tokens: Tokens): Promise<void> {
    if (!tokens.refreshToken) return;
    await this.deps.cognito
      .send(new RevokeTokenCommand({ ClientId: this.deps.clientId, Token: tokens.refreshToken }))
      .catch((error: unknown) => this.deps.log.warn({ err: { name: (error as Error).name } }, 'revoking an unused refresh token failed'));
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
