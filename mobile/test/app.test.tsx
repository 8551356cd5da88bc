import { screen } from '@testing-library/react-native';
import { problem } from './helpers/fake-http';
import { renderApp } from './helpers/render-app';

test('a signed-out app opens on Login', async () => {
  await renderApp({ handler: () => problem(404, 'Not Found') });
  expect(await screen.findByText('Login')).toBeOnTheScreen();
});

test('a stored session opens the library without asking the server first', async () => {
  await renderApp({ signedIn: true, handler: () => { throw new Error('offline'); } });
  expect(await screen.findByText('Home')).toBeOnTheScreen();
});
