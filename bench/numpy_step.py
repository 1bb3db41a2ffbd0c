#!/usr/bin/env python3
# The numpy peer of `npm run bench`: the engine's update step (forward, backward with batch norm
# and the L2 term, SGD update) written as a course notebook writes it, timed on the same data.
#   python3 bench/numpy_step.py '<config json>'   time the step; prints one JSON object
#   python3 bench/numpy_step.py --step             one step from parameters given on stdin (JSON)
#   python3 bench/numpy_step.py --self-test        its gradients against centred differences
# The thread count is set before numpy loads (OpenBLAS reads it once). bench/README.md says more.
import json
import os
import sys
import time

BN_EPS = 1e-5  # native/batchnorm.h kBatchNormEps


def set_threads(threads):
    for name in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[name] = str(threads)


def blas_info(np):
    """numpy's BLAS as it runs: the OpenBLAS it loaded asked for its configuration and core."""
    import ctypes
    paths = sorted({line.split()[-1] for line in open('/proc/self/maps') if 'openblas' in line.lower() and '.so' in line})
    for path in paths:
        lib = ctypes.CDLL(path)
        for prefix, suffix in (('scipy_openblas_', '64_'), ('scipy_openblas_', ''), ('openblas_', '64_'), ('openblas_', '')):
            try:
                config, core = getattr(lib, prefix + 'get_config' + suffix), getattr(lib, prefix + 'get_corename' + suffix)
            except AttributeError:
                continue
            config.restype = core.restype = ctypes.c_char_p
            return {'blas': config().decode().strip(), 'blas_core': core().decode()}
    blas = np.show_config(mode='dicts').get('Build Dependencies', {}).get('blas', {})
    return {'blas': f"{blas.get('name', 'unknown')} {blas.get('version', '')}".strip(), 'blas_core': None}


def layer_names(sizes, batch_norm):
    """(W, b) or (W, gamma, beta) per layer, named as in the engine's model (1-based)."""
    L = len(sizes) - 1
    return [(f'W{l}', f'b{l}') if not (batch_norm and l < L) else (f'W{l}', f'gamma{l}', f'beta{l}') for l in range(1, L + 1)]


def init_params(np, sizes, batch_norm, dtype, seed=1):
    """He initialization, biases 0, γ 1, β 0; running mean 0 and var 1 (like the engine)."""
    rng = np.random.default_rng(seed)
    params, stats = {}, {}
    for l, names in enumerate(layer_names(sizes, batch_norm), start=1):
        I, H = sizes[l - 1], sizes[l]
        params[names[0]] = (rng.standard_normal((H, I)) * np.sqrt(2.0 / I)).astype(dtype)
        if len(names) == 2:
            params[names[1]] = np.zeros(H, dtype)
        else:
            params[names[1]], params[names[2]] = np.ones(H, dtype), np.zeros(H, dtype)
            stats[f'mean{l}'], stats[f'var{l}'] = np.zeros(H, dtype), np.ones(H, dtype)
    return params, stats


def forward_backward(np, params, sizes, batch_norm, X, y, lam):
    """Mean cross-entropy of a batch X (B, D) and the gradients of it plus λ·Σ‖W‖²; the batch's
    BN statistics. X @ W.T: W is (H, I) as in the assignments, the batch's rows are samples."""
    B = X.shape[0]
    L = len(sizes) - 1
    names = layer_names(sizes, batch_norm)
    cache, batch_stats = [], {}  # per layer: its input, and for a hidden layer ŝ, 1/σ, pre-ReLU
    h = X
    for l in range(1, L + 1):
        W = params[f'W{l}']
        if len(names[l - 1]) == 3:  # hidden layer with BN (no bias: β plays its role)
            s = h @ W.T
            mu, var = s.mean(axis=0), s.var(axis=0)
            rstd = 1.0 / np.sqrt(var + BN_EPS)
            shat = (s - mu) * rstd
            z = params[f'gamma{l}'] * shat + params[f'beta{l}']
            batch_stats[f'mean{l}'], batch_stats[f'var{l}'] = mu, var
            cache.append((h, shat, rstd, z))
            h = np.maximum(z, 0)
        else:
            s = h @ W.T + params[f'b{l}']
            cache.append((h, None, None, s))
            if l < L:
                h = np.maximum(s, 0)
    s = s - s.max(axis=1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(axis=1, keepdims=True)
    rows = np.arange(B)
    loss = -np.log(p[rows, y]).mean()
    g = p
    g[rows, y] -= 1
    g /= B
    grads = {}
    for l in range(L, 0, -1):
        W = params[f'W{l}']
        inp, shat, rstd, pre = cache[l - 1]
        if l < L:
            g = g * (pre > 0)  # ReLU
            if shat is not None:
                gamma = params[f'gamma{l}']
                grads[f'gamma{l}'] = (g * shat).sum(axis=0)
                grads[f'beta{l}'] = g.sum(axis=0)
                g = rstd / B * (B * gamma * g - gamma * grads[f'beta{l}'] - shat * (gamma * grads[f'gamma{l}']))
            else:
                grads[f'b{l}'] = g.sum(axis=0)
        else:
            grads[f'b{l}'] = g.sum(axis=0)
        grads[f'W{l}'] = g.T @ inp + 2 * lam * W
        if l > 1:
            g = g @ W
    return loss, grads, batch_stats


def sgd_step(np, params, stats, sizes, batch_norm, X, y, lam, eta, first, alpha=0.9):
    """One update: gradients, θ ← θ − η·g, running BN statistics blended in (set by the first)."""
    loss, grads, batch_stats = forward_backward(np, params, sizes, batch_norm, X, y, lam)
    if not np.isfinite(loss):
        raise FloatingPointError(f'diverged: the training loss became {loss}')
    for k, g in grads.items():
        params[k] -= eta * g
    for k, v in batch_stats.items():
        stats[k] = v.copy() if first else alpha * stats[k] + (1 - alpha) * v
    return loss


def cyclic_eta(t, eta_min, eta_max, step_size):
    """Triangular cyclical η (Smith 2017), as native/schedule.cpp."""
    cycle_pos = t % (2 * step_size)
    frac = cycle_pos / step_size if cycle_pos < step_size else 2 - cycle_pos / step_size
    return eta_min + (eta_max - eta_min) * frac


def time_steps(config):
    """Median over repeats of (seconds of `steps` steps) / steps, after a warm-up."""
    set_threads(config['threads'])
    import numpy as np
    d, n = config['d'], config['n']
    X = np.fromfile(config['x'], dtype=np.float32).reshape(n, d)
    y = np.fromfile(config['y'], dtype=np.uint8).astype(np.intp)
    dtype = np.float32 if config['precision'] == 'float32' else np.float64
    X = X.astype(dtype, copy=False)  # once, as a notebook converts its data up front
    sizes, batch_norm, B, lam = config['shape'], config['batch_norm'], config['batch'], config['lambda']
    sched = config['schedule']
    params, stats = init_params(np, sizes, batch_norm, dtype)
    rng = np.random.default_rng(1)
    per_epoch = n // B
    state = {'t': 0, 'order': None}

    def run(steps):
        start = time.perf_counter()
        for _ in range(steps):
            t = state['t']
            k = t % per_epoch
            if k == 0:
                state['order'] = rng.permutation(n)
            idx = state['order'][k * B:(k + 1) * B]
            eta = cyclic_eta(t, sched['etaMin'], sched['etaMax'], sched['stepSize'])
            sgd_step(np, params, stats, sizes, batch_norm, X[idx], y[idx], lam, eta, t == 0)
            state['t'] = t + 1
        return (time.perf_counter() - start) / steps

    run(config.get('warmup', 20))
    times = sorted(run(config['steps']) for _ in range(config['repeats']))
    m = len(times) // 2
    median = times[m] if len(times) % 2 else (times[m - 1] + times[m]) / 2
    return {'peer': 'numpy', 'numpy': np.__version__, **blas_info(np), 'precision': config['precision'],
            'threads': config['threads'], 'steps': config['steps'], 'repeats': config['repeats'],
            'ms_per_step': median * 1000}


def one_step(request):
    """One float64 step from given parameters on one batch: the engine's step, checked in a test."""
    set_threads(1)
    import numpy as np
    sizes, batch_norm = request['sizes'], request['batch_norm']
    params = {k: np.array(v, dtype=np.float64) for k, v in request['params'].items()}
    for names in layer_names(sizes, batch_norm):
        W = names[0]
        params[W] = params[W].reshape(sizes[int(W[1:])], sizes[int(W[1:]) - 1])
    X = np.array(request['x'], dtype=np.float64).reshape(-1, sizes[0])
    y = np.array(request['y'], dtype=np.intp)
    stats = {}
    loss = sgd_step(np, params, stats, sizes, batch_norm, X, y, request['lambda'], request['eta'], True)
    out = {k: v.ravel().tolist() for k, v in {**params, **stats}.items()}
    return {'loss': float(loss), 'tensors': out}


def self_test():
    """Analytic gradients of mean loss + λ·Σ‖W‖² against centred differences, float64."""
    set_threads(1)
    import numpy as np
    rng = np.random.default_rng(3)
    lam, h, ok = 0.01, 1e-6, True
    for sizes, batch_norm in (([12, 8, 4], False), ([12, 8, 6, 4], True), ([12, 8, 6, 5, 4], True)):
        params, _ = init_params(np, sizes, batch_norm, np.float64, seed=5)
        for k in params:  # move γ, β and biases away from their start so they are checked too
            if not k.startswith('W'):
                params[k] += rng.standard_normal(params[k].shape) * 0.3
        X = rng.standard_normal((10, sizes[0]))
        y = rng.integers(0, sizes[-1], 10)

        def cost():
            loss, _, _ = forward_backward(np, params, sizes, batch_norm, X, y, lam)
            return loss + lam * sum((params[k] ** 2).sum() for k in params if k.startswith('W'))

        _, grads, _ = forward_backward(np, params, sizes, batch_norm, X, y, lam)
        for k, g in grads.items():
            num = np.zeros_like(g)
            for i in np.ndindex(g.shape):
                old = params[k][i]
                params[k][i] = old + h
                up = cost()
                params[k][i] = old - h
                down = cost()
                params[k][i] = old
                num[i] = (up - down) / (2 * h)
            rel = (np.abs(g - num) / np.maximum(1e-6, np.abs(g) + np.abs(num))).max()
            good = rel < 1e-5
            ok &= bool(good)
            print(f"{'-'.join(map(str, sizes))}{' BN' if batch_norm else ''} {k}: max relative error {rel:.2e} {'ok' if good else 'FAILED'}")
    print('self-test passed' if ok else 'self-test FAILED')
    return ok


def main(argv):
    if argv[:1] == ['--self-test']:
        return 0 if self_test() else 1
    if argv[:1] == ['--step']:
        print(json.dumps(one_step(json.load(sys.stdin))))
        return 0
    if len(argv) != 1:
        print(__doc__ or 'usage: numpy_step.py <config json> | --step | --self-test', file=sys.stderr)
        return 2
    print(json.dumps(time_steps(json.loads(argv[0]))))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
