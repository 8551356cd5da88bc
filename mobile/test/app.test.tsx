import { screen } from '@testing-library/react-native';
import { problem } from './helpers/fake-http';
import { renderApp } from './helpers/render-app';

test('a signed-out app opens on Login', async () => {
  await renderApp({ handler: () => problem(404, 'Not Found') });
  expect(await screen.findByRole('button', { name: 'Log in' })).toBeOnTheScreen();
});

test('a stored session opens the library without asking for a login, offline too', async () => {
  await renderApp({ signedIn: true, handler: () => { throw new Error('offline'); } });
  expect(await screen.findByRole('button', { name: 'Upload photos' }, { timeout: 5000 })).toBeOnTheScreen();
  expect(screen.queryByRole('button', { name: 'Log in' })).toBeNull();
});
