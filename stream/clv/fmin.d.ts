// fmin 0.0.4 ships no types. Its package entry is a UMD bundle inside a `"type": "module"`
// package, so under Node it exports nothing and defines `globalThis.fmin` instead: imported for
// that side effect (see nelder-mead.ts), it is typed here as that global.
declare module 'fmin';

interface FminPoint extends Array<number> {
  fx: number;
}

interface FminNelderMeadParameters {
  maxIterations?: number;
  /** Factor on a non-zero coordinate of the start point for the initial simplex. */
  nonZeroDelta?: number;
  /** Step for a zero coordinate of the start point for the initial simplex. */
  zeroDelta?: number;
  /** Stop when the simplex's values differ by less (fmin also uses it as the tolerance on x). */
  minErrorDelta?: number;
  /** Shrink coefficient; at 1 or more, a run ends where it would shrink. */
  sigma?: number;
  /** Receives one entry per iteration: the simplex at the iteration's start. */
  history?: FminIteration[];
}

interface FminIteration {
  simplex: FminPoint[];
}

// eslint-disable-next-line no-var
declare var fmin: {
  nelderMead(f: (x: number[]) => number, x0: number[], parameters?: FminNelderMeadParameters): { fx: number; x: FminPoint };
};
