// Statistics shared by the browser benchmarks: medians, with min and max for noise.
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const summary = (xs, digits = 0) =>
  `${median(xs).toFixed(digits)} ms (min ${Math.min(...xs).toFixed(digits)}, max ${Math.max(...xs).toFixed(digits)})`;
