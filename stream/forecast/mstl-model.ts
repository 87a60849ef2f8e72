// MSTL (Bandara, Hyndman & Bergmeir 2021: seasonal-trend decomposition by Loess with several
// seasonal periods) with an AutoETS trend, from Grafana's augurs (WebAssembly). This file is
// the only one that loads the WASM: synchronously, from the package's own file, so nothing is
// downloaded and the first forecast needs no await.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MSTL, initSync } from '@bsull/augurs/mstl';
import type { Forecast } from '@bsull/augurs/mstl';
import { LEVELS } from './defaults.ts';
import type { IntervalForecast } from './interval-forecast.ts';

let loaded = false;

/** Instantiates augurs' MSTL module once per process (the package exports no path to its .wasm, so it is found beside the module). */
function loadMstl(): void {
  if (loaded) return;
  const modulePath = createRequire(import.meta.url).resolve('@bsull/augurs/mstl');
  initSync({ module: readFileSync(join(dirname(modulePath), 'mstl_bg.wasm')) });
  loaded = true;
}

function intervalsOf(forecast: Forecast): { lower: number[]; upper: number[] } {
  if (!forecast.intervals) throw new Error('MSTL returned no prediction intervals');
  return forecast.intervals;
}

/**
 * Fits MSTL with an ETS trend and the given seasonal periods (hours) to `values` and forecasts
 * `horizon` hours. Throws what augurs throws (a history shorter than two of the longest period,
 * non-finite values, no ETS model found).
 */
export function mstlForecast(values: readonly number[], periods: readonly number[], horizon: number): IntervalForecast {
  loadMstl();
  const model = MSTL.ets([...periods]);
  try {
    model.fit(Float64Array.from(values));
    const inner = model.predict(horizon, LEVELS.inner);
    const outer = model.predict(horizon, LEVELS.outer);
    return {
      point: outer.point,
      lo80: intervalsOf(inner).lower,
      hi80: intervalsOf(inner).upper,
      lo95: intervalsOf(outer).lower,
      hi95: intervalsOf(outer).upper,
    };
  } finally {
    model.free();
  }
}
