// What the store tests share beyond the runner's fixtures: a small experiment of three quick trials.

/** A gradient check (result.json about 1 KB) and two variants (model.bin about 4.9 KB each). */
export const THREE_TRIALS = `name: runner-e2e
seed: 7
dataset: { source: mnist, train: [train], validation: { holdout: 100 }, test: [test] }
model: { hidden: [16] }
training: { batch_size: 20, lambda: 0.001, cycles: 1 }
schedule: { kind: cyclic, eta_min: 1.0e-4, eta_max: 1.0e-1, step_size: 60 }
record: { per_cycle: 4, subset: 0 }
gradient_check:
  networks:
    - { hidden: [8] }
  samples: 3
  dims: 10
variants:
  - { name: first }
  - { name: second, set: { training.lambda: 0.01 } }
`;
