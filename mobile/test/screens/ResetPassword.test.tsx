import { fireEvent, screen } from '@testing-library/react-native';
import type { FakeAnswer, FakeRequest } from '../helpers/fake-http';
import { problem } from '../helpers/fake-http';
import { renderApp } from '../helpers/render-app';

// The whole app renders per test on a shared 2-core machine: a step can take over a second under load.

const NEW_PASSWORD = 'Fresh-start-2026';
const posts = (requests: FakeRequest[]) => requests.filter((r) => r.method === 'POST').map((r) => ({ url: r.url, body: r.body }));

async function openReset(handler: (request: FakeRequest) => FakeAnswer | Promise<FakeAnswer>) {
  const app = await renderApp({ handler });
  fireEvent.changeText(await screen.findByLabelText('Email'), 'ada@example.com');
  fireEvent.press(screen.getByRole('link', { name: 'Forgot your password?' }));
  await screen.findByTestId('reset-request');
  return app;
}

const codeError = (message: string) => problem(400, 'Your request is not valid', { errors: [{ path: 'body.code', message }] });

test('ask for a code, set a new password with it, back on Login with the email and a success banner', async () => {
  const { requests } = await openReset((request) => {
    if (request.url === '/v1/auth/forgot-password') return { status: 202, body: { status: 'accepted' } };
    if (request.url === '/v1/auth/reset-password') return { status: 200, body: { status: 'ok' } };
    return problem(404, 'Not Found');
  });
  // The email typed on Login came along.
  expect(screen.getByLabelText('Email')).toHaveDisplayValue('ada@example.com');
  fireEvent.press(screen.getByRole('button', { name: 'Send code' }));

  expect(await screen.findByTestId('reset-confirm')).toBeOnTheScreen();
  expect(screen.getByText('If ada@example.com has an AuroraVault account, a code is on its way.')).toBeOnTheScreen();
  fireEvent.changeText(screen.getByLabelText('Code'), '654321');
  fireEvent.changeText(screen.getByLabelText('New password'), NEW_PASSWORD);
  expect(screen.getByLabelText('At least 10 characters: met')).toBeOnTheScreen();
  fireEvent.press(screen.getByRole('button', { name: 'Set new password' }));

  expect(await screen.findByText('Password changed. Log in with your new password.')).toBeOnTheScreen();
  expect(screen.getByTestId('login-screen')).toBeOnTheScreen();
  expect(screen.getByLabelText('Email')).toHaveDisplayValue('ada@example.com');
  expect(posts(requests)).toEqual([
    { url: '/v1/auth/forgot-password', body: { email: 'ada@example.com' } },
    { url: '/v1/auth/reset-password', body: { email: 'ada@example.com', code: '654321', newPassword: NEW_PASSWORD } },
  ]);
});

test('a wrong code and an expired code are told apart; sending the email again waits for a cooldown', async () => {
  const answers = [codeError('is not valid'), codeError('has expired')];
  const { requests } = await openReset((request) => {
    if (request.url === '/v1/auth/forgot-password') return { status: 202, body: { status: 'accepted' } };
    return answers.shift() ?? problem(500, 'Internal server error');
  });
  fireEvent.press(screen.getByRole('button', { name: 'Send code' }));
  await screen.findByTestId('reset-confirm');
  fireEvent.changeText(screen.getByLabelText('Code'), '000000');
  fireEvent.changeText(screen.getByLabelText('New password'), NEW_PASSWORD);

  fireEvent.press(screen.getByRole('button', { name: 'Set new password' }));
  expect(await screen.findByText('This code is not valid. Check the email we sent, or ask for a new one.')).toBeOnTheScreen();
  fireEvent.press(screen.getByRole('button', { name: 'Set new password' }));
  expect(await screen.findByText('This code has expired. Ask for a new one below.')).toBeOnTheScreen();
  expect(screen.getByLabelText('Code').props.accessibilityHint).toBe('This code has expired. Ask for a new one below.');
  // Still on the code step, nothing lost.
  expect(screen.getByLabelText('New password')).toHaveDisplayValue(NEW_PASSWORD);

  // The first code went out just now: sending again waits for the cooldown.
  expect(screen.getByRole('button', { name: 'Send the email again' })).toBeDisabled();
  expect(posts(requests).map((r) => r.url)).toEqual(['/v1/auth/forgot-password', '/v1/auth/reset-password', '/v1/auth/reset-password']);
});

test('each step refuses what it can tell is wrong before sending', async () => {
  const { requests } = await openReset(() => ({ status: 202, body: { status: 'accepted' } }));
  fireEvent.changeText(screen.getByLabelText('Email'), '');
  fireEvent.press(screen.getByRole('button', { name: 'Send code' }));
  expect(await screen.findByText('Enter your email.')).toBeOnTheScreen();
  expect(requests).toHaveLength(0);

  fireEvent.changeText(screen.getByLabelText('Email'), 'ada@example.com');
  fireEvent.press(screen.getByRole('button', { name: 'Send code' }));
  await screen.findByTestId('reset-confirm');

  fireEvent.changeText(screen.getByLabelText('Code'), '12345');
  fireEvent.changeText(screen.getByLabelText('New password'), 'short1A');
  fireEvent.press(screen.getByRole('button', { name: 'Set new password' }));
  expect(await screen.findByText('Enter the 6-digit code from the email.')).toBeOnTheScreen();
  expect(screen.getByText('Choose a password that meets every rule below.')).toBeOnTheScreen();
  expect(screen.getByLabelText('At least 10 characters: not met yet')).toBeOnTheScreen();
  expect(requests).toHaveLength(1);
});

test('no network when asking for the code: said, and the first step stays', async () => {
  await openReset(() => {
    throw new Error('offline');
  });
  fireEvent.press(screen.getByRole('button', { name: 'Send code' }));
  expect(await screen.findByText("Can't reach AuroraVault. Check your connection.")).toBeOnTheScreen();
  expect(screen.getByTestId('reset-request')).toBeOnTheScreen();
});
