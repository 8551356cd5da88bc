import { fireEvent, screen, waitFor } from '@testing-library/react-native';
import type { FakeAnswer, FakeRequest } from '../helpers/fake-http';
import { problem } from '../helpers/fake-http';
import { renderApp } from '../helpers/render-app';

// The whole app renders per test on a shared 2-core machine: a step can take over a second under load.

const TOKENS = { accessToken: 'access-5', idToken: 'id-5', refreshToken: 'refresh-5', expiresIn: 3600, tokenType: 'Bearer' };
const ME = { userId: 'user-5', email: 'ada@example.com', name: 'Ada Lovelace', createdAt: '2026-12-01T00:00:00.000Z', usage: { photos: 0, bytes: 0, quotaBytes: 10_000_000_000 } };
const PASSWORD = 'Analytical-Engine1';

const posts = (requests: FakeRequest[]) => requests.filter((r) => r.method === 'POST').map((r) => ({ url: r.url, body: r.body }));

async function openSignUp(handler: (request: FakeRequest) => FakeAnswer | Promise<FakeAnswer>) {
  const app = await renderApp({ handler });
  fireEvent.press(await screen.findByRole('link', { name: 'Create an account' }));
  await screen.findByTestId('signup-details');
  return app;
}

function fillDetails(fields: { name?: string; email: string; password: string }) {
  if (fields.name !== undefined) fireEvent.changeText(screen.getByLabelText('Name'), fields.name);
  fireEvent.changeText(screen.getByLabelText('Email'), fields.email);
  fireEvent.changeText(screen.getByLabelText('Password'), fields.password);
}

test('sign up, a wrong code, a new code, confirm: logged in with the password typed once', async () => {
  const codes = ['111111'];
  const { requests, tokens } = await openSignUp((request) => {
    switch (request.url) {
      case '/v1/auth/signup':
        return { status: 201, body: { userId: 'user-5', confirmationRequired: true } };
      case '/v1/auth/resend-code':
        codes.push('222222');
        return { status: 202, body: { status: 'accepted' } };
      case '/v1/auth/confirm':
        return (request.body as { code: string }).code === codes[codes.length - 1]
          ? { status: 200, body: { status: 'ok' } }
          : problem(400, 'Your request is not valid', { detail: 'The code is not valid', errors: [{ path: 'body.code', message: 'is not valid' }] });
      case '/v1/auth/login':
        return { status: 200, body: TOKENS };
      case '/v1/me':
        return { status: 200, body: ME };
      case '/v1/photos':
        return { status: 200, body: { items: [], nextCursor: null } };
      default:
        return problem(404, 'Not Found');
    }
  });

  fillDetails({ name: ' Ada Lovelace ', email: ' ada@example.com', password: PASSWORD });
  fireEvent.press(screen.getByRole('button', { name: 'Create account' }));

  expect(await screen.findByTestId('signup-confirm')).toBeOnTheScreen();
  expect(screen.getByText(/We sent a 6-digit code to ada@example.com/)).toBeOnTheScreen();
  fireEvent.changeText(screen.getByLabelText('Confirmation code'), '111112');
  fireEvent.press(screen.getByRole('button', { name: 'Confirm' }));
  expect(await screen.findByText('This code is not valid. Check the email we sent, or ask for a new one.')).toBeOnTheScreen();

  fireEvent.press(screen.getByRole('button', { name: 'Send a new code' }));
  expect(await screen.findByText('We sent a new code to ada@example.com.')).toBeOnTheScreen();
  // A short cooldown: no second email at once.
  expect(screen.getByRole('button', { name: 'Send a new code' })).toBeDisabled();
  expect(screen.getByText(/You can ask for another code in \d+ s\./)).toBeOnTheScreen();

  fireEvent.changeText(screen.getByLabelText('Confirmation code'), '222222');
  fireEvent.press(screen.getByRole('button', { name: 'Confirm' }));

  await waitFor(() => expect(screen.queryByTestId('signup-confirm') === null && screen.queryByTestId('login-screen') === null).toBe(true));
  expect((await tokens.load())?.accessToken).toBe('access-5');
  expect(posts(requests)).toEqual([
    { url: '/v1/auth/signup', body: { email: 'ada@example.com', password: PASSWORD, name: 'Ada Lovelace' } },
    { url: '/v1/auth/confirm', body: { email: 'ada@example.com', code: '111112' } },
    { url: '/v1/auth/resend-code', body: { email: 'ada@example.com' } },
    { url: '/v1/auth/confirm', body: { email: 'ada@example.com', code: '222222' } },
    { url: '/v1/auth/login', body: { email: 'ada@example.com', password: PASSWORD } },
  ]);
});

test('the rules are ticked as the password is typed, and a password that breaks one is not sent', async () => {
  const { requests } = await openSignUp(() => ({ status: 201, body: { userId: 'user-5', confirmationRequired: true } }));
  const rule = (label: string, met: boolean) => screen.getByLabelText(`${label}: ${met ? 'met' : 'not met yet'}`);

  for (const label of ['At least 10 characters', 'A lowercase letter', 'An uppercase letter', 'A number']) expect(rule(label, false)).toBeOnTheScreen();

  fillDetails({ email: 'ada@example.com', password: 'abc' });
  expect(rule('A lowercase letter', true)).toBeOnTheScreen();
  expect(rule('At least 10 characters', false)).toBeOnTheScreen();
  fireEvent.changeText(screen.getByLabelText('Password'), 'abcdefghij1');
  expect(rule('At least 10 characters', true)).toBeOnTheScreen();
  expect(rule('A number', true)).toBeOnTheScreen();
  expect(rule('An uppercase letter', false)).toBeOnTheScreen();

  fireEvent.press(screen.getByRole('button', { name: 'Create account' }));
  expect(await screen.findByText('Choose a password that meets every rule below.')).toBeOnTheScreen();
  expect(requests).toHaveLength(0);

  fireEvent.changeText(screen.getByLabelText('Email'), 'ada.example.com');
  fireEvent.changeText(screen.getByLabelText('Password'), 'Abcdefghij1');
  expect(rule('An uppercase letter', true)).toBeOnTheScreen();
  fireEvent.press(screen.getByRole('button', { name: 'Create account' }));
  expect(await screen.findByText('Enter a valid email address, like name@example.com.')).toBeOnTheScreen();
  expect(screen.queryByText('Choose a password that meets every rule below.')).toBeNull();
  expect(requests).toHaveLength(0);
});

test('a taken email is said on the field, with a way to log in with it', async () => {
  const { requests } = await openSignUp(() => problem(409, 'Conflict', { detail: 'An account with this email already exists' }));
  fillDetails({ email: 'taken@example.com', password: PASSWORD });
  fireEvent.press(screen.getByRole('button', { name: 'Create account' }));

  expect(await screen.findByText('An account with this email already exists.')).toBeOnTheScreen();
  expect(screen.getByLabelText('Email').props.accessibilityHint).toBe('An account with this email already exists.');
  expect(requests).toHaveLength(1);

  fireEvent.press(screen.getByRole('link', { name: 'Log in with this email' }));
  await screen.findByTestId('login-screen');
  expect(screen.getByLabelText('Email')).toHaveDisplayValue('taken@example.com');
});

test("the API's field errors land on their fields; a name is not sent when left empty", async () => {
  const { requests } = await openSignUp(() =>
    problem(400, 'Your request is not valid', {
      detail: 'body.email: Invalid email address; body.password: must contain a symbol',
      errors: [
        { path: 'body.email', message: 'Invalid email address' },
        { path: 'body.password', message: 'must contain a symbol' },
        { path: 'body.password', message: 'must not be a common password' },
      ],
    }),
  );
  fillDetails({ name: '   ', email: 'ada@example.co', password: PASSWORD });
  fireEvent.press(screen.getByRole('button', { name: 'Create account' }));

  expect(await screen.findByText('Invalid email address')).toBeOnTheScreen();
  expect(screen.getByText('Password must contain a symbol and must not be a common password.')).toBeOnTheScreen();
  expect(screen.getByLabelText('Password').props.accessibilityHint).toBe('Password must contain a symbol and must not be a common password.');
  expect(screen.queryByTestId('signup-confirm')).toBeNull();
  expect(requests[0]!.body).toEqual({ email: 'ada@example.co', password: PASSWORD });
});

test('no network while creating the account: said, and the form kept', async () => {
  await openSignUp(() => {
    throw new Error('offline');
  });
  fillDetails({ name: 'Ada', email: 'ada@example.com', password: PASSWORD });
  fireEvent.press(screen.getByRole('button', { name: 'Create account' }));
  expect(await screen.findByText("Can't reach AuroraVault. Check your connection.")).toBeOnTheScreen();
  expect(screen.getByLabelText('Email')).toHaveDisplayValue('ada@example.com');
  expect(screen.getByLabelText('Password')).toHaveDisplayValue(PASSWORD);
});

test('a refusal that names no field is shown as a banner', async () => {
  await openSignUp(() => problem(400, 'Your request is not valid', { detail: 'Cognito refused a parameter of this request' }));
  fillDetails({ email: 'ada@example.com', password: PASSWORD });
  fireEvent.press(screen.getByRole('button', { name: 'Create account' }));
  expect(await screen.findByText('Cognito refused a parameter of this request')).toBeOnTheScreen();
  expect(screen.getByTestId('signup-details')).toBeOnTheScreen();
});
