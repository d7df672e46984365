// Whether a cost grows linearly with its input, measured so that a busy machine does not decide: each time is the
// CPU time this process spent (time it waited for a core while other processes ran is not counted: on a loaded
// machine a round of a few milliseconds is preempted many times, and wall-clock ratios of 15 were seen for linear
// code), the least of a few rounds, and each is divided by the time of a reference known to be linear (passes over
// the same bytes) taken at the same size, so that what slows both (cache pressure, a larger heap) cancels out.

/** CPU time of this process (user and system), in milliseconds. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The least CPU time of `rounds` rounds of `run`. */
function leastTime(run: () => void, rounds = 5): number {
  let least = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    const start = cpuMs();
    run();
    least = Math.min(least, cpuMs() - start);
  }
  return least;
}

/**
 * How much more `subject(size)` costs relative to `reference(size)` at `factor` times the size than at `small`:
 * about 1 when both are linear, `factor` when the subject is quadratic.
 */
export function relativeGrowth(subject: (size: number) => () => void, reference: (size: number) => () => void, small: number, factor: number): number {
  const at = (size: number) => {
    const run = subject(size);
    const base = reference(size);
    run(); // warm-up
    base();
    return leastTime(run) / leastTime(base);
  };
  return at(small * factor) / at(small);
}
