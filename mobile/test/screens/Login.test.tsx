import { fireEvent, screen, waitFor } from '@testing-library/react-native';
import type { FakeAnswer, FakeRequest } from '../helpers/fake-http';
import { problem } from '../helpers/fake-http';
import { renderApp, TEST_USER } from '../helpers/render-app';

// The whole app renders per test on a shared 2-core machine: a step can take over a second under load.

const TOKENS = { accessToken: 'access-9', idToken: 'id-9', refreshToken: 'refresh-9', expiresIn: 3600, tokenType: 'Bearer' };
const ME = { ...TEST_USER, createdAt: '2026-11-01T00:00:00.000Z', usage: { photos: 0, bytes: 0, quotaBytes: 10_000_000_000 } };

/** The API after a login: tokens, the user, an empty library for whatever Home asks. */
function signedInApi(login: (request: FakeRequest) => FakeAnswer | Promise<FakeAnswer> = () => ({ status: 200, body: TOKENS })) {
  return (request: FakeRequest): FakeAnswer | Promise<FakeAnswer> => {
    if (request.url === '/v1/auth/login') return login(request);
    if (request.url === '/v1/me') return { status: 200, body: ME };
    if (request.url === '/v1/photos' || request.url === '/v1/trash') return { status: 200, body: { items: [], nextCursor: null } };
    return problem(404, 'Not Found');
  };
}

const logins = (requests: FakeRequest[]) => requests.filter((r) => r.url === '/v1/auth/login');

function logIn(email: string, password: string) {
  fireEvent.changeText(screen.getByLabelText('Email'), email);
  fireEvent.changeText(screen.getByLabelText('Password'), password);
  fireEvent.press(screen.getByRole('button', { name: 'Log in' }));
}

test('a login stores the tokens, loads the user and leaves the auth screens for the library', async () => {
  const { requests, tokens } = await renderApp({ handler: signedInApi() });
  expect(await screen.findByText('AuroraVault')).toBeOnTheScreen();
  expect(screen.getByText('Your photos, safely kept.')).toBeOnTheScreen();

  logIn('  ada@example.com ', 'Correct-horse1');

  // A boolean, not the element: a failing matcher that prints an element inside the navigator throws
  // "Couldn't find a navigation context" instead of its message, and waitFor never gets to retry cleanly.
  await waitFor(() => expect(screen.queryByTestId('login-screen') === null).toBe(true));
  expect(screen.queryByLabelText('Password') === null).toBe(true);
  expect(logins(requests).map((r) => r.body)).toEqual([{ email: 'ada@example.com', password: 'Correct-horse1' }]);
  const me = requests.find((r) => r.url === '/v1/me')!;
  expect(me.headers.authorization).toBe('Bearer access-9');
  expect((await tokens.load())?.refreshToken).toBe('refresh-9');
});

test('a wrong password says so and keeps the email; the button is busy while the server thinks', async () => {
  let answer: (value: FakeAnswer) => void = () => undefined;
  const { requests, tokens } = await renderApp({ handler: signedInApi(() => new Promise<FakeAnswer>((resolve) => (answer = resolve))) });
  await screen.findByTestId('login-screen');

  logIn('ada@example.com', 'wrong-password');
  const button = screen.getByRole('button', { name: 'Log in' });
  await waitFor(() => expect(button).toBeBusy());
  fireEvent.press(button); // ignored while busy
  expect(logins(requests)).toHaveLength(1);

  answer(problem(401, 'Authentication is required', { detail: 'Incorrect email or password' }));
  expect(await screen.findByText('Email or password is incorrect.')).toBeOnTheScreen();
  expect(screen.getByLabelText('Email')).toHaveDisplayValue('ada@example.com');
  expect(screen.getByRole('button', { name: 'Log in' })).not.toBeBusy();
  expect(await tokens.load()).toBeNull();
});

test('empty or malformed fields are refused before anything is sent', async () => {
  const { requests } = await renderApp({ handler: signedInApi() });
  await screen.findByTestId('login-screen');

  fireEvent.press(screen.getByRole('button', { name: 'Log in' }));
  expect(await screen.findByText('Enter your email.')).toBeOnTheScreen();
  expect(screen.getByText('Enter your password.')).toBeOnTheScreen();

  logIn('ada@example', 'Correct-horse1');
  expect(await screen.findByText('Enter a valid email address, like name@example.com.')).toBeOnTheScreen();
  expect(screen.queryByText('Enter your password.')).toBeNull();
  expect(requests).toHaveLength(0);
});

test('an unconfirmed account is offered the confirmation step for its email, and comes back to log in once confirmed', async () => {
  const { requests } = await renderApp({
    handler: (request) => {
      if (request.url === '/v1/auth/login') return problem(403, 'Not allowed', { detail: 'confirmation required', reason: 'confirmation-required' });
      if (request.url === '/v1/auth/confirm') return { status: 200, body: { status: 'ok' } };
      return problem(404, 'Not Found');
    },
  });
  await screen.findByTestId('login-screen');
  logIn('grace@example.com', 'Correct-horse1');

  expect(await screen.findByText('Confirm your email before you log in: enter the code we sent you.')).toBeOnTheScreen();
  fireEvent.press(screen.getByRole('link', { name: 'Enter confirmation code' }));

  expect(await screen.findByTestId('signup-confirm')).toBeOnTheScreen();
  expect(screen.getByText(/We sent a 6-digit code to grace@example.com/)).toBeOnTheScreen();
  expect(screen.getByRole('button', { name: 'Send a new code' })).toBeOnTheScreen();
  fireEvent.changeText(screen.getByLabelText('Confirmation code'), '123456');
  fireEvent.press(screen.getByRole('button', { name: 'Confirm' }));

  // The password typed on Login is not carried along: back to Login to type it again.
  expect(await screen.findByText('Your email is confirmed. Log in to continue.')).toBeOnTheScreen();
  expect(screen.getByLabelText('Email')).toHaveDisplayValue('grace@example.com');
  expect(screen.getByLabelText('Password')).toHaveDisplayValue('');
  expect(requests.find((r) => r.url === '/v1/auth/confirm')?.body).toEqual({ email: 'grace@example.com', code: '123456' });
});

test('throttled: says how long to wait, from Retry-After', async () => {
  await renderApp({ handler: signedInApi(() => problem(429, 'Too many requests', {}, { 'retry-after': '42' })) });
  await screen.findByTestId('login-screen');
  logIn('ada@example.com', 'Correct-horse1');
  expect(await screen.findByText('Too many attempts, try again in 42 s.')).toBeOnTheScreen();
});

test('no network: says the server cannot be reached, not that the password is wrong', async () => {
  const { tokens } = await renderApp({ handler: () => { throw new Error('offline'); } });
  await screen.findByTestId('login-screen');
  logIn('ada@example.com', 'Correct-horse1');
  expect(await screen.findByText("Can't reach AuroraVault. Check your connection.")).toBeOnTheScreen();
  expect(screen.queryByText('Email or password is incorrect.')).toBeNull();
  expect(await tokens.load()).toBeNull();
});

test('"Create an account" and "Forgot your password?" carry the typed email along', async () => {
  await renderApp({ handler: signedInApi() });
  await screen.findByTestId('login-screen');
  fireEvent.changeText(screen.getByLabelText('Email'), 'new@example.com');

  fireEvent.press(screen.getByRole('link', { name: 'Create an account' }));
  await screen.findByTestId('signup-details');
  expect(screen.getByLabelText('Email')).toHaveDisplayValue('new@example.com');

  fireEvent.press(screen.getByRole('link', { name: 'Log in instead' }));
  await screen.findByTestId('login-screen');
  fireEvent.press(screen.getByRole('link', { name: 'Forgot your password?' }));
  await screen.findByTestId('reset-request');
  expect(screen.getByLabelText('Email')).toHaveDisplayValue('new@example.com');
});

test('a session the server ended brings Login back with the reason', async () => {
  await renderApp({ signedIn: true, handler: (request) => (request.url === '/v1/auth/refresh' ? problem(400, 'Your request is not valid') : problem(401, 'Authentication is required')) });
  expect(await screen.findByText('Your session has ended. Log in again to continue.')).toBeOnTheScreen();
  expect(screen.getByTestId('login-screen')).toBeOnTheScreen();
});
