// Refreshes run at most once per interval, so a burst of pushes costs one more request, not many.
import { showError } from './page.js';

/** Runs fn at most once per `ms`; calls in between coalesce into one more run. Errors go to the status line. */
export function throttled(fn, ms) {
  let busy = false;
  let again = false;
  const run = () => {
    if (busy) return void (again = true);
    busy = true;
    Promise.resolve()
      .then(fn)
      .catch(showError)
      .finally(() =>
        setTimeout(() => {
          busy = false;
          if (again) {
            again = false;
            run();
          }
        }, ms),
      );
  };
  return run;
}
