import { fixedWindow } from '../../src/lib/fixed-window.js';

describe('fixedWindow', () => {
  const start = 1_700_000_100; // a multiple of 900 s and of 60 s: epoch seconds of a window start
  const at = (seconds: number) => (start + seconds) * 1000;

  it('aligns windows on the epoch, start inclusive and end exclusive', () => {
    expect(start % 900).toBe(0);
    expect(fixedWindow(at(0), 900)).toEqual({ start, end: start + 900, secondsLeft: 900 });
    expect(fixedWindow(at(899.999), 900)).toMatchObject({ start, end: start + 900 });
    expect(fixedWindow(at(900), 900)).toEqual({ start: start + 900, end: start + 1800, secondsLeft: 900 });
  });

  it('gives every instant of a window the same key, whoever computes it', () => {
    const keys = new Set([0, 1, 450.5, 899.9].map((s) => fixedWindow(at(s), 900).start));
    expect([...keys]).toEqual([start]);
  });

  it('rounds the seconds left up, and never says 0', () => {
    expect(fixedWindow(at(890.5), 900).secondsLeft).toBe(10);
    expect(fixedWindow(at(899), 900).secondsLeft).toBe(1);
    expect(fixedWindow(at(899.999), 900).secondsLeft).toBe(1);
  });

  it('works for other window lengths', () => {
    expect(fixedWindow(at(61), 60)).toEqual({ start: start + 60, end: start + 120, secondsLeft: 59 });
  });

  it('refuses nonsense', () => {
    expect(() => fixedWindow(at(0), 0)).toThrow(RangeError);
    expect(() => fixedWindow(at(0), 1.5)).toThrow(RangeError);
    expect(() => fixedWindow(Number.NaN, 900)).toThrow(RangeError);
    expect(() => fixedWindow(-1, 900)).toThrow(RangeError);
  });
});
