import { client, registeredUser, waitUntil } from '../helpers/accounts.js';
import { objectExists, seedPhoto, startLibraryApp } from '../helpers/photos.js';

jest.setTimeout(30_000);

/** The SWEEP_INTERVAL_SECONDS timer itself: every other photo test turns it off and calls sweep(now). */
describe('sweep scheduler', () => {
  it('runs every sweep on the wall clock each interval, never two runs at once, and stops on close', async () => {
    const running = await startLibraryApp({ SWEEP_INTERVAL_SECONDS: '1' });
    let closed = false;
    try {
      const { app } = running;
      const user = await registeredUser(client(running.url), 'scheduler');
      const calls: { at: Date; startedAt: number }[] = [];
      let active = 0;
      let mostActive = 0;
      app.photos.addSweep('probe', async (at) => {
        calls.push({ at, startedAt: Date.now() });
        active++;
        mostActive = Math.max(mostActive, active);
        await new Promise((r) => setTimeout(r, 1500)); // longer than the interval
        active--;
      });

      // A real effect no test calls for: a rejected photo's object, gone by the objects sweep.
      const photo = await seedPhoto(app, user.userId, { status: 'processing' });
      expect(await app.photos.repository.reject(photo, 'not-an-image', Math.floor(Date.now() / 1000))).toBe(true);
      await waitUntil(async () => ((await objectExists(app, photo.s3Key)) ? undefined : true), 10_000);

      await waitUntil(async () => (calls.length >= 3 ? true : undefined), 10_000);
      expect(mostActive).toBe(1);
      for (const call of calls) expect(Math.abs(call.at.getTime() - call.startedAt)).toBeLessThan(2000);
      for (let i = 1; i < calls.length; i++) expect(calls[i]!.startedAt - calls[i - 1]!.startedAt).toBeGreaterThanOrEqual(1500);

      await running.close();
      closed = true;
      const after = calls.length;
      await new Promise((r) => setTimeout(r, 2500));
      expect(calls.length).toBe(after);
    } finally {
      if (!closed) await running.close();
    }
  });
});
