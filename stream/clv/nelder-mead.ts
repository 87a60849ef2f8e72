/**
 * Unconstrained minimisation by the Nelder–Mead simplex method of the `fmin` package, wrapped for
 * two defects of its version 0.0.4: its entry defines `globalThis.fmin` and exports nothing under
 * Node (see fmin.d.ts), and its shrink step assigns an undeclared variable, which throws in strict
 * mode. With `sigma: 1` a run ends where it would shrink; the run then restarts from its best
 * point with a fresh simplex (a restart does what a shrink does: a smaller simplex around the best
 * point) until a restart no longer improves the value.
 */
import 'fmin';

export interface MinimiseOptions {
  /** Iterations over all restarts. */
  readonly maxIterations: number;
  /** Converged when a restart improves the value by less than this (absolute). */
  readonly tolerance: number;
  /** Initial simplex step for a zero coordinate of the start point. */
  readonly initialStep: number;
}

export interface Minimum {
  readonly x: number[];
  readonly value: number;
  readonly iterations: number;
  readonly converged: boolean;
}

const MAX_RESTARTS = 50;

export function minimise(f: (x: number[]) => number, x0: readonly number[], options: MinimiseOptions): Minimum {
  let x = [...x0];
  let value = f(x);
  let iterations = 0;
  for (let restart = 0; restart < MAX_RESTARTS && iterations < options.maxIterations; restart++) {
    const history: unknown[] = [];
    const run = fmin.nelderMead(f, x, {
      maxIterations: options.maxIterations - iterations,
      minErrorDelta: options.tolerance,
      zeroDelta: options.initialStep,
      sigma: 1,
      history,
    });
    iterations += history.length;
    const improvement = value - run.fx;
    if (run.fx < value) {
      x = [...run.x];
      value = run.fx;
    }
    if (!(improvement >= options.tolerance)) {
      return { x, value, iterations, converged: Number.isFinite(value) && iterations < options.maxIterations };
    }
  }
  return { x, value, iterations, converged: false };
}
