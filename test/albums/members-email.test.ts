import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand, DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { FastifyInstance } from 'fastify';
import { keys } from '../../src/data/keys.js';
import type { Profile } from '../../src/data/users.js';
import { client, GOOD_PASSWORD, registeredUser, waitUntil, type ApiClient } from '../helpers/accounts.js';
import { jobsSettled, startLibraryApp } from '../helpers/photos.js';

/**
 * "The account registered with this email" (sharing by email): written with the profile, found in any
 * case, backfilled once for profiles from before it existed, owned by the newest account of an address,
 * and gone with the account.
 */
jest.setTimeout(60_000);

let server: Awaited<ReturnType<typeof startLibraryApp>>;
let api: ApiClient;
const app = (): FastifyInstance => server.app;

beforeAll(async () => {
  server = await startLibraryApp();
  api = client(server.url);
});
afterAll(() => server?.close());

const rawEmailItem = async (email: string) =>
  (await app().aws.dynamo.send(new GetCommand({ TableName: app().resources.table, Key: keys.accountByEmail(email), ConsistentRead: true }))).Item;

/** As a profile created before this item existed: no item, no flag. */
async function forgetIndex(userId: string, email: string) {
  const table = app().resources.table;
  await app().aws.dynamo.send(new DeleteCommand({ TableName: table, Key: keys.accountByEmail(email) }));
  await app().aws.dynamo.send(new UpdateCommand({ TableName: table, Key: keys.profile(userId), UpdateExpression: 'REMOVE emailIndexed' }));
}

describe('the account-by-email item', () => {
  it('is written with the profile, holds no address, and is found whatever the case and spacing', async () => {
    const ada = await registeredUser(api, 'email-ada');
    const item = await rawEmailItem(ada.email);
    expect(item).toEqual({ ...keys.accountByEmail(ada.email), userId: ada.userId, createdAt: expect.any(String) });
    expect(JSON.stringify(item).toLowerCase()).not.toContain(ada.email.toLowerCase().split('@')[0]);
    expect((await app().users.getProfile(ada.userId))?.emailIndexed).toBe(true);
    for (const spelling of [ada.email, ada.email.toUpperCase(), ada.email.toLowerCase(), `  ${ada.email} `]) {
      expect(await app().users.findUserIdByEmail(spelling)).toBe(ada.userId);
    }
    expect(await app().users.findUserIdByEmail(`nobody-${randomUUID()}@example.com`)).toBeUndefined();
  });

  it('is backfilled once for an older profile, by GET /v1/me and by login', async () => {
    const bob = await registeredUser(api, 'email-bob');
    await forgetIndex(bob.userId, bob.email);
    expect(await app().users.findUserIdByEmail(bob.email)).toBeUndefined();

    expect((await api.get('/v1/me', bob.accessToken)).status).toBe(200);
    expect(await app().users.findUserIdByEmail(bob.email)).toBe(bob.userId);
    expect((await app().users.getProfile(bob.userId))?.emailIndexed).toBe(true);
    // Once: with the flag set, reading the profile writes nothing (the item, deleted by hand, stays gone).
    await app().aws.dynamo.send(new DeleteCommand({ TableName: app().resources.table, Key: keys.accountByEmail(bob.email) }));
    expect((await api.get('/v1/me', bob.accessToken)).status).toBe(200);
    expect(await rawEmailItem(bob.email)).toBeUndefined();

    await forgetIndex(bob.userId, bob.email);
    expect((await api.post('/v1/auth/login', { email: bob.email, password: GOOD_PASSWORD })).status).toBe(200);
    expect(await app().users.findUserIdByEmail(bob.email)).toBe(bob.userId);
    expect((await app().users.getProfile(bob.userId))?.emailIndexed).toBe(true);
  });

  it('belongs to the newest account of an address; deleting the older one leaves it', async () => {
    const email = `email-${randomUUID().slice(0, 8)}@example.com`;
    const profile = (userId: string, createdAt: string): Profile => ({ userId, email, createdAt, photoCount: 0, bytes: 0, quotaBytes: 1000 });
    const old = profile(`old-${randomUUID()}`, '2026-01-01T00:00:00.000Z');
    const fresh = profile(`new-${randomUUID()}`, '2026-06-01T00:00:00.000Z');
    expect(await app().users.createProfile(old)).toBe(true);
    expect(await app().users.createProfile(fresh)).toBe(true);
    expect(await app().users.findUserIdByEmail(email)).toBe(fresh.userId);
    // An older profile created late (or backfilled) does not take the address back, but is created.
    const older = profile(`older-${randomUUID()}`, '2025-01-01T00:00:00.000Z');
    expect(await app().users.createProfile(older)).toBe(true);
    expect(await app().users.getProfile(older.userId)).toMatchObject({ userId: older.userId, emailIndexed: true });
    await app().users.indexEmail(old);
    expect(await app().users.findUserIdByEmail(email)).toBe(fresh.userId);
    // A second create of an existing profile is refused as before.
    expect(await app().users.createProfile(fresh)).toBe(false);

    await app().users.deleteUser(old.userId);
    expect(await app().users.getProfile(old.userId)).toBeUndefined();
    expect(await app().users.findUserIdByEmail(email)).toBe(fresh.userId);
    await app().users.deleteUser(fresh.userId);
    expect(await app().users.findUserIdByEmail(email)).toBeUndefined();
    await app().users.deleteUser(older.userId);
  });

  it('goes with the account (DELETE /v1/me, carried out by the deletion job)', async () => {
    const carol = await registeredUser(api, 'email-carol');
    expect(await app().users.findUserIdByEmail(carol.email)).toBe(carol.userId);
    expect((await api.delete('/v1/me', carol.accessToken)).status).toBe(202);
    await jobsSettled(app());
    await waitUntil(async () => ((await app().users.getProfile(carol.userId)) === undefined ? true : undefined));
    expect(await rawEmailItem(carol.email)).toBeUndefined();
  });

  it('an item a newer account holds survives the older profile being written again', async () => {
    const dave = await registeredUser(api, 'email-dave');
    // Another account claimed the address later (as after a deletion and a new sign-up).
    const later = new Date(Date.now() + 60_000).toISOString();
    await forgetIndex(dave.userId, dave.email);
    await app().aws.dynamo.send(
      new PutCommand({ TableName: app().resources.table, Item: { ...keys.accountByEmail(dave.email), userId: 'someone-newer', createdAt: later } }),
    );
    expect((await api.get('/v1/me', dave.accessToken)).status).toBe(200);
    expect(await app().users.findUserIdByEmail(dave.email)).toBe('someone-newer');
    expect((await app().users.getProfile(dave.userId))?.emailIndexed).toBe(true);
  });
});
