/**
 * Unconstrained minimisation by the Nelder–Mead simplex method of the `fmin` package, wrapped for
 * two defects of its version 0.0.4: its entry defines `globalThis.fmin` and exports nothing under
 * Node (see fmin.d.ts), and its shrink step assigns an undeclared variable, which throws in strict
 * mode. With `sigma: 1` a run ends where it would shrink; a run that ended so (not by fmin's own
 * convergence test) restarts from its best point with a fresh, small simplex, which does what the
 * shrink would have done. The minimum is found when fmin's test passes or a restart no longer
 * improves the value by `tolerance`.
 */
import 'fmin';

export interface MinimiseOptions {
  /** Iterations over all restarts. */
  readonly maxIterations: number;
  /** fmin's convergence test: the simplex's values, and its two best points' coordinates, differ by less. */
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
/** A restart's simplex: each coordinate of the best point moved by 0.1 % (by 0.001 when zero). */
const RESTART_STEP = 1e-3;

export function minimise(f: (x: number[]) => number, x0: readonly number[], options: MinimiseOptions): Minimum {
  let x = [...x0];
  let value = f(x);
  let iterations = 0;
  for (let restart = 0; restart < MAX_RESTARTS && iterations < options.maxIterations; restart++) {
    const history: FminIteration[] = [];
    const run = fmin.nelderMead(f, x, {
      maxIterations: options.maxIterations - iterations,
      minErrorDelta: options.tolerance,
      zeroDelta: restart === 0 ? options.initialStep : RESTART_STEP,
      nonZeroDelta: restart === 0 ? undefined : 1 + RESTART_STEP,
      sigma: 1,
      history,
    });
    iterations += history.length;
    const improvement = value - run.fx;
    if (run.fx < value) {
      x = [...run.x];
      value = run.fx;
    }
    const last = history.at(-1);
    const found = (last !== undefined && passesConvergenceTest(last.simplex, options.tolerance)) || (restart > 0 && !(improvement >= options.tolerance));
    if (found) {
      return { x, value, iterations, converged: Number.isFinite(value) };
    }
  }
  return { x, value, iterations, converged: false };
}

/** fmin's own test (nelderMead.js), on the simplex its last iteration started from. */
function passesConvergenceTest(simplex: readonly FminPoint[], tolerance: number): boolean {
  const sorted = [...simplex].sort((p, q) => p.fx - q.fx);
  const best = sorted[0] as FminPoint;
  const second = sorted[1] as FminPoint;
  const worst = sorted[sorted.length - 1] as FminPoint;
  return Math.abs(best.fx - worst.fx) < tolerance && best.every((v, i) => Math.abs(v - (second[i] as number)) < tolerance);
}
