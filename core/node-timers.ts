/**
 * Stands in for the `worker-timers` package in the CLI bundle. mqtt.js imports
 * it for browsers, where timers in a hidden tab are throttled; under Node it
 * always takes the native timers, so loading the package (and the Babel
 * runtime it brings) at every start of `mam` bought nothing.
 */
export const { setInterval, clearInterval, setTimeout, clearTimeout } = globalThis;
