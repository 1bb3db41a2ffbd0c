// What the store tests share beyond the runner's fixtures: a small experiment of three quick trials.
import { smallExperiment } from '../runner/fixtures.ts';

/** A gradient check (result.json about 1 KB) and two variants (model.bin about 4.9 KB each). */
export const THREE_TRIALS = smallExperiment(
  'runner-e2e',
  1,
  `gradient_check:
  networks:
    - { hidden: [8] }
  samples: 3
  dims: 10
variants:
  - { name: first }
  - { name: second, set: { training.lambda: 0.01 } }
`,
);
