// A small reader for Python pickles (protocols 0–2 binary opcodes), enough for the CIFAR-10 python
// batches: a dict holding a numpy uint8 array (numpy.core or numpy._core _reconstruct + BUILD, its
// raw bytes either a py2 str or _codecs.encode(str, 'latin1')) and a list of int labels.
// It builds plain JS values; anything it does not know (other globals, protocol 4 framing) throws.
// Reference: Lib/pickletools.py in CPython, which documents every opcode.

/** A numpy array as rebuilt from a pickle: shape, dtype string ('|u1', '<i8', …) and raw bytes. */
export interface NdArray {
  kind: 'ndarray';
  shape: number[];
  dtype: string;
  fortran: boolean;
  data: Uint8Array;
}

interface Dtype {
  kind: 'dtype';
  name: string;
  order: string;
}

/** A global the pickle asked for (module + name) and how it is called. */
type Callable = { kind: 'global'; module: string; name: string; call: (args: unknown[]) => unknown };

const MARK = Symbol('mark');

export class PickleError extends Error {}

function reconstruct(): NdArray {
  return { kind: 'ndarray', shape: [], dtype: '', fortran: false, data: new Uint8Array(0) };
}

function findGlobal(module: string, name: string): Callable {
  const g = (call: (args: unknown[]) => unknown): Callable => ({ kind: 'global', module, name, call });
  const key = `${module}.${name}`;
  switch (key) {
    case 'numpy.core.multiarray._reconstruct':
    case 'numpy._core.multiarray._reconstruct':
      return g(() => reconstruct());
    case 'numpy.ndarray':
      return g(() => reconstruct());
    case 'numpy.dtype':
      return g((args) => ({ kind: 'dtype', name: String(args[0]), order: '|' }) satisfies Dtype);
    case '_codecs.encode':
      return g((args) => {
        const [s, enc] = args;
        if (typeof s !== 'string') throw new PickleError('_codecs.encode of a non-string');
        if (enc !== 'latin1' && enc !== 'latin-1') throw new PickleError(`_codecs.encode with encoding ${String(enc)}`);
        return new Uint8Array(Buffer.from(s, 'latin1'));
      });
    case '__builtin__.bytes':
    case 'builtins.bytes':
      return g((args) => (args.length === 0 ? new Uint8Array(0) : (args[0] as Uint8Array)));
    default:
      throw new PickleError(`unsupported global ${key}`);
  }
}

function build(obj: unknown, state: unknown): void {
  if (obj && typeof obj === 'object' && (obj as { kind?: string }).kind === 'dtype') {
    // state: (version, byteorder, subdescr, names, fields, elsize, alignment, flags)
    const t = state as unknown[];
    (obj as Dtype).order = String(t[1]);
    return;
  }
  if (obj && typeof obj === 'object' && (obj as { kind?: string }).kind === 'ndarray') {
    // state: (version, shape, dtype, is_fortran, rawdata)
    const t = state as unknown[];
    const a = obj as NdArray;
    a.shape = (t[1] as unknown[]).map(Number);
    const dt = t[2] as Dtype;
    a.dtype = `${dt.order}${dt.name}`;
    a.fortran = Boolean(t[3]);
    const raw = t[4];
    if (raw instanceof Uint8Array) a.data = raw;
    else if (typeof raw === 'string') a.data = new Uint8Array(Buffer.from(raw, 'latin1'));
    else throw new PickleError('ndarray state without raw bytes (object arrays are not supported)');
    return;
  }
  if (obj && typeof obj === 'object' && state && typeof state === 'object' && !Array.isArray(state)) {
    Object.assign(obj, state);
    return;
  }
  throw new PickleError('BUILD on an unsupported object');
}

/** Dict keys become JS strings (py2 str / bytes keys are decoded as latin1). */
function keyOf(k: unknown): string {
  if (typeof k === 'string') return k;
  if (k instanceof Uint8Array) return Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString('latin1');
  if (typeof k === 'number' || typeof k === 'bigint') return String(k);
  throw new PickleError('unsupported dict key type');
}

/**
 * Reads one pickled object from `buf`. Python str → string, py2 str / bytes → Uint8Array (a view into
 * `buf`, not a copy), int → number (bigint beyond 2^53), dict → plain object, list/tuple → array.
 */
export function unpickle(buf: Uint8Array): unknown {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = 0;

  const need = (n: number) => {
    if (pos + n > buf.length) throw new PickleError(`unexpected end of pickle at byte ${pos} (need ${n} more)`);
  };
  const u8 = () => (need(1), buf[pos++]);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const bytes = (n: number) => (need(n), (pos += n), buf.subarray(pos - n, pos));
  const line = () => {
    const end = buf.indexOf(0x0a, pos);
    if (end < 0) throw new PickleError('unexpected end of pickle in a text line');
    const s = Buffer.from(buf.buffer, buf.byteOffset + pos, end - pos).toString('latin1');
    pos = end + 1;
    return s;
  };
  const popMark = (): unknown[] => {
    let i = stack.length - 1;
    while (i >= 0 && stack[i] !== MARK) i--;
    if (i < 0) throw new PickleError('MARK not found');
    const items = stack.slice(i + 1);
    stack.length = i;
    return items;
  };
  const pop = () => {
    if (stack.length === 0) throw new PickleError('stack underflow');
    return stack.pop();
  };
  const top = () => stack[stack.length - 1];
  const setItems = (d: unknown, items: unknown[]) => {
    if (!d || typeof d !== 'object' || Array.isArray(d)) throw new PickleError('SETITEM on a non-dict');
    for (let i = 0; i + 1 < items.length; i += 2) (d as Record<string, unknown>)[keyOf(items[i])] = items[i + 1];
  };
  const longLE = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 3) throw new PickleError('pickle protocol above 3 is not supported');
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push({});
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x6c: // LIST
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x64: {
        // DICT
        const d = {};
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        (top() as unknown[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) throw new PickleError('APPENDS on a non-list');
        for (const it of items) list.push(it);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x70: // PUT
        memo.set(Number(line()), top());
        break;
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET
        const k = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(line());
        if (!memo.has(k)) throw new PickleError(`memo key ${k} not found`);
        stack.push(memo.get(k));
        break;
      }
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x8a: // LONG1
        stack.push(longLE(bytes(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(longLE(bytes(u32())));
        break;
      case 0x49: {
        // INT (text); py2 writes booleans as I00 / I01
        const s = line();
        stack.push(s === '00' ? false : s === '01' ? true : Number(s));
        break;
      }
      case 0x4c: // LONG (text)
        stack.push(Number(line().replace(/L$/, '')));
        break;
      case 0x47: // BINFLOAT
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x55: // SHORT_BINSTRING (py2 str → bytes)
        stack.push(bytes(u8()));
        break;
      case 0x54: // BINSTRING
        stack.push(bytes(u32()));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()));
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(bytes(u32())));
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        stack.push(findGlobal(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const f = pop() as Callable;
        if (!f || f.kind !== 'global') throw new PickleError('REDUCE on a non-callable');
        stack.push(f.call(args as unknown[]));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop() as Callable;
        if (!cls || cls.kind !== 'global') throw new PickleError('NEWOBJ on a non-class');
        stack.push(cls.call(args as unknown[]));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        build(top(), state);
        break;
      }
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      default:
        throw new PickleError(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${pos - 1}`);
    }
  }
}
