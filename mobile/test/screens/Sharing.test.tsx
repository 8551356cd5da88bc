import { fireEvent, screen, waitFor, within } from '@testing-library/react-native';
import type { Photo } from '../../src/core/library';
import type { FakeAnswer, FakeRequest } from '../helpers/fake-http';
import { FakeSharingServer } from '../helpers/fake-sharing-server';
import { renderApp, TEST_USER } from '../helpers/render-app';

const never = () => new Promise<FakeAnswer>(() => undefined);
const page = (items: Photo[]): FakeAnswer => ({ status: 200, body: { items, nextCursor: null } });
const calls = (requests: FakeRequest[], method: string, url: string) => requests.filter((r) => r.method === method && r.url === url);
const DAY = 86_400_000;

async function start(server: FakeSharingServer) {
  return renderApp({ signedIn: true, handler: (r) => server.handle(r) ?? (r.url === '/v1/photos' ? page(server.library) : never()) });
}

async function confirm(title: string, label: string) {
  await screen.findByText(title);
  fireEvent.press(screen.getAllByRole('button', { name: label }).at(-1)!);
}

async function openShareSheet(name: string) {
  fireEvent.press(await screen.findByRole('tab', { name: 'Albums' }));
  fireEvent.press(await screen.findByRole('button', { name: `Album ${name}` }));
  fireEvent.press(await screen.findByRole('button', { name: 'Share' }));
  await screen.findByRole('button', { name: 'Share by email' });
}

function withFamily(server: FakeSharingServer) {
  server.family = {
    family: {
      id: 'fam',
      organiserId: TEST_USER.userId,
      members: [
        { userId: TEST_USER.userId, email: TEST_USER.email, name: TEST_USER.name, role: 'organiser', joinedAt: '2026-11-01T00:00:00.000Z' },
        { userId: 'grace', email: 'grace@example.com', name: 'Grace', role: 'member', joinedAt: '2026-11-02T00:00:00.000Z' },
        { userId: 'alan', email: 'alan@example.com', name: 'Alan', role: 'member', joinedAt: '2026-11-03T00:00:00.000Z' },
      ],
      invites: [],
    },
    invitations: [],
  };
  server.users.set('grace@example.com', { userId: 'grace', name: 'Grace' });
  server.users.set('alan@example.com', { userId: 'alan', name: 'Alan' });
}

test('the share sheet shares with a family member in one tap and with anyone by email, in the role chosen, and removes a member', async () => {
  const server = new FakeSharingServer();
  withFamily(server);
  server.users.set('linus@example.com', { userId: 'linus', name: 'Linus' });
  const album = server.album({ name: 'Holiday' });
  const { requests } = await start(server);
  await openShareSheet('Holiday');

  const family = await screen.findByLabelText('Family');
  fireEvent.press(within(family).getByRole('button', { name: 'Share with Grace' }));
  expect(await screen.findByText('Shared with Grace as viewer')).toBeOnTheScreen();
  expect(within(screen.getByLabelText('Family')).getByText('Shared')).toBeOnTheScreen();

  // An address with no account is said on the field; nothing is shared.
  fireEvent.press(screen.getByRole('radio', { name: 'Contributor' }));
  fireEvent.changeText(screen.getByLabelText('Email'), 'nobody@example.com');
  fireEvent.press(screen.getByRole('button', { name: 'Share by email' }));
  expect(await screen.findByText('No AuroraVault account has this email')).toBeOnTheScreen();
  fireEvent.changeText(screen.getByLabelText('Email'), 'Linus@Example.com');
  fireEvent.press(screen.getByRole('button', { name: 'Share by email' }));
  expect(await screen.findByText('Shared with Linus as contributor')).toBeOnTheScreen();
  expect(calls(requests, 'POST', `/v1/albums/${album.id}/members`).map((r) => r.body)).toEqual([
    { email: 'grace@example.com', role: 'viewer' },
    { email: 'nobody@example.com', role: 'contributor' },
    { email: 'Linus@Example.com', role: 'contributor' },
  ]);
  const members = screen.getByLabelText('Members');
  expect(within(members).getByText('Ada (you)')).toBeOnTheScreen();
  expect(within(members).getByText('Contributor')).toBeOnTheScreen();

  fireEvent.press(within(members).getByRole('button', { name: 'Remove Linus' }));
  await confirm('Remove Linus?', 'Remove');
  expect(await screen.findByText('Linus no longer has access')).toBeOnTheScreen();
  expect(calls(requests, 'DELETE', `/v1/albums/${album.id}/members/linus`)).toHaveLength(1);
  expect(server.members.get(album.id)!.map((m) => m.userId)).toEqual([TEST_USER.userId, 'grace']);
});

test('links: a view link with an expiry and a password, a collect link; each shows its URL with a copy button, and revoking ends it', async () => {
  const server = new FakeSharingServer();
  const album = server.album({ name: 'Wedding' });
  const { requests } = await start(server);
  await openShareSheet('Wedding');
  expect(await screen.findByText('No links yet.')).toBeOnTheScreen();

  fireEvent.press(screen.getByRole('radio', { name: '1 year' }));
  fireEvent.changeText(screen.getByLabelText('Password (optional)'), 'short');
  fireEvent.press(screen.getByRole('button', { name: 'Create view link' }));
  expect(await screen.findByText('Use at least 8 characters, or leave it empty')).toBeOnTheScreen();
  fireEvent.changeText(screen.getByLabelText('Password (optional)'), 'open sesame');
  fireEvent.press(screen.getByRole('button', { name: 'Create view link' }));
  expect(await screen.findByText('View link created: anyone with it can see the album.')).toBeOnTheScreen();

  // Only a collect link takes a limit; a bad one is said on the field and nothing is sent.
  expect(screen.queryByLabelText('Guests may add up to N photos')).toBeNull();
  fireEvent.press(screen.getByRole('radio', { name: 'Collect link' }));
  fireEvent.press(screen.getByRole('radio', { name: '1 day' }));
  fireEvent.changeText(screen.getByLabelText('Guests may add up to N photos'), '1001');
  fireEvent.press(screen.getByRole('button', { name: 'Create collect link' }));
  expect(await screen.findByText('Allow at most 1000 photos')).toBeOnTheScreen();
  expect(calls(requests, 'POST', `/v1/albums/${album.id}/links`)).toHaveLength(1);
  fireEvent.changeText(screen.getByLabelText('Guests may add up to N photos'), '50');
  fireEvent.press(screen.getByRole('button', { name: 'Create collect link' }));
  expect(await screen.findByText('Collect link created: anyone with it can add photos.')).toBeOnTheScreen();
  // The field empties after a link is made: the next one gets the server's default.
  expect(screen.getByLabelText('Guests may add up to N photos')).toHaveDisplayValue('');
  fireEvent.press(screen.getByRole('button', { name: 'Create collect link' }));
  await waitFor(() => expect(server.links.get(album.id)).toHaveLength(3));
  expect(calls(requests, 'POST', `/v1/albums/${album.id}/links`).map((r) => r.body)).toEqual([
    { kind: 'view', expiresInDays: 365, password: 'open sesame' },
    { kind: 'collect', expiresInDays: 1, maxUploads: 50 },
    { kind: 'collect', expiresInDays: 1 },
  ]);

  const [viewLink, collectLink, defaultLink] = server.links.get(album.id)!.slice().reverse();
  expect(within(await screen.findByTestId(`link-${defaultLink!.id}`)).getByText('Guests can add photos · 0 of 200 uploads')).toBeOnTheScreen();
  const viewCard = screen.getByTestId(`link-${viewLink!.id}`);
  expect(within(viewCard).getByText(viewLink!.url)).toBeOnTheScreen();
  expect(within(viewCard).getByText('Anyone with the link can view · password')).toBeOnTheScreen();
  expect(within(viewCard).getByText(/^Expires in 36[45] days$/)).toBeOnTheScreen();
  expect(within(viewCard).getByRole('button', { name: /Copy link|Share link/ })).toBeOnTheScreen();
  const collectCard = screen.getByTestId(`link-${collectLink!.id}`);
  expect(within(collectCard).getByText('Guests can add photos · 0 of 50 uploads')).toBeOnTheScreen();
  expect(within(collectCard).getByText(collectLink!.url)).toBeOnTheScreen();

  fireEvent.press(within(viewCard).getByRole('button', { name: 'Revoke view link' }));
  await confirm('Revoke this link?', 'Revoke');
  expect(await screen.findByText('Link revoked: it no longer opens the album.')).toBeOnTheScreen();
  expect(calls(requests, 'DELETE', `/v1/albums/${album.id}/links/${viewLink!.id}`)).toHaveLength(1);
  const revoked = screen.getByTestId(`link-${viewLink!.id}`);
  expect(within(revoked).getByText('Revoked')).toBeOnTheScreen();
  expect(within(revoked).queryByText(viewLink!.url)).toBeNull();
  expect(within(revoked).queryByRole('button', { name: 'Revoke view link' })).toBeNull();
});

test('Family without a family: inviting by email starts one, with its pending invite and the places left', async () => {
  const server = new FakeSharingServer();
  const { requests } = await start(server);
  fireEvent.press(await screen.findByRole('tab', { name: 'Family' }));
  expect(await screen.findByText('Start a family')).toBeOnTheScreen();
  fireEvent.changeText(screen.getByLabelText('Email'), 'grace@');
  fireEvent.press(screen.getByRole('button', { name: 'Send invite' }));
  expect(await screen.findByText(/like name@example.com/)).toBeOnTheScreen();
  fireEvent.changeText(screen.getByLabelText('Email'), 'grace@example.com');
  fireEvent.press(screen.getByRole('button', { name: 'Send invite' }));
  expect(await screen.findByText('Invite sent to grace@example.com')).toBeOnTheScreen();
  expect(calls(requests, 'POST', '/v1/family/invites').map((r) => r.body)).toEqual([{ email: 'grace@example.com' }]);

  expect(within(screen.getByLabelText('Members')).getByText('Ada (you)')).toBeOnTheScreen();
  expect(within(screen.getByLabelText('Pending invites')).getByText('grace@example.com')).toBeOnTheScreen();
  expect(screen.getByText('Invite someone · 4 places left')).toBeOnTheScreen();
  fireEvent.press(screen.getByRole('button', { name: 'Withdraw the invite to grace@example.com' }));
  await waitFor(() => expect(screen.queryByLabelText('Pending invites')).toBeNull());
});

test('an invitation addressed to me is accepted; as a member I see the family and can leave it', async () => {
  const server = new FakeSharingServer();
  server.family = {
    family: null,
    invitations: [{ familyId: 'fam-9', organiserId: 'grace', organiserEmail: 'grace@example.com', organiserName: 'Grace', invitedAt: '2026-11-30T00:00:00.000Z', expiresAt: new Date(Date.now() + 10 * DAY).toISOString() }],
  };
  const { requests } = await start(server);
  fireEvent.press(await screen.findByRole('tab', { name: 'Family' }));
  const invitation = await screen.findByLabelText('Invitation');
  expect(within(invitation).getByText('Grace invited you to their family')).toBeOnTheScreen();
  fireEvent.press(within(invitation).getByRole('button', { name: 'Accept' }));
  expect(await screen.findByText('Welcome to the family')).toBeOnTheScreen();
  expect(calls(requests, 'POST', '/v1/family/invitations/fam-9/accept')).toHaveLength(1);
  const members = screen.getByLabelText('Members');
  expect(within(members).getByText('Organiser · grace@example.com')).toBeOnTheScreen();
  // A member neither invites nor removes.
  expect(screen.queryByRole('button', { name: 'Send invite' })).toBeNull();
  expect(within(members).queryByRole('button', { name: /^Remove/ })).toBeNull();

  fireEvent.press(screen.getByRole('button', { name: 'Leave family' }));
  await confirm('Leave the family?', 'Leave family');
  expect(await screen.findByText('You left the family')).toBeOnTheScreen();
  expect(calls(requests, 'DELETE', `/v1/family/members/${TEST_USER.userId}`)).toHaveLength(1);
  expect(screen.getByText('Start a family')).toBeOnTheScreen();
});

test('the organiser removes a member after confirming', async () => {
  const server = new FakeSharingServer();
  withFamily(server);
  const { requests } = await start(server);
  fireEvent.press(await screen.findByRole('tab', { name: 'Family' }));
  fireEvent.press(await screen.findByRole('button', { name: 'Remove Alan' }));
  await confirm('Remove Alan?', 'Remove');
  expect(await screen.findByText('Alan left the family')).toBeOnTheScreen();
  expect(calls(requests, 'DELETE', '/v1/family/members/alan')).toHaveLength(1);
  expect(screen.queryByText('Alan')).toBeNull();
  expect(screen.getByText('Members · 2 of 6')).toBeOnTheScreen();
});
