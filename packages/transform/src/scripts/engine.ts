import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSWASMModule,
} from 'quickjs-emscripten-core';
import { ScriptError } from './errors.js';

type Variant = Parameters<typeof newQuickJSWASMModuleFromVariant>[0];

function ignore(): void {}

const PAGE = 65536;
const INITIAL_HEAP = 16 * 1024 * 1024;
// The package's type libraries do not declare WebAssembly; this is the little used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
const { Memory } = (
  globalThis as unknown as {
    WebAssembly: { Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory };
  }
).WebAssembly;
type VariantOptions = NonNullable<Parameters<typeof newVariant>[1]>;

const heaps = new WeakMap<QuickJSWASMModule, { memory: WasmMemory; capBytes: number }>();

/**
 * The engine's whole heap is capped, not just each runtime's count: QuickJS counts requested
 * bytes, and allocation patterns that fragment the heap (an array grown by push) make the
 * real heap several times that count. 8 MiB + 2 × the per-script limit keeps a runaway script
 * inside 3 × its limit; hitting this cap is an out-of-memory error like the other.
 */
export function engineHeapCap(memoryLimitBytes: number): number {
  return Math.max(INITIAL_HEAP, Math.ceil((8 * 1024 * 1024 + 2 * memoryLimitBytes) / PAGE) * PAGE);
}

/** True when the engine's heap has grown past half its cap (malloc may then fail outright). */
export function engineHeapIsLarge(engine: QuickJSWASMModule): boolean {
  const heap = heaps.get(engine);
  return heap !== undefined && heap.memory.buffer.byteLength * 2 >= heap.capBytes;
}

/**
 * Loads one QuickJS WebAssembly module (~500 KB of wasm, ~10 ms). Imported lazily, inside an
 * async function, so importing this package never loads wasm nor needs top-level await (which
 * would break require(esm)).
 */
export async function loadEngine(heapCapBytes: number): Promise<QuickJSWASMModule> {
  // The variant's typings describe its CommonJS build; core unwraps either module shape.
  const variant = (await import('@jitl/quickjs-wasmfile-release-sync')) as unknown as Variant;
  const base =
    'default' in variant ? (variant as unknown as { default: Variant }).default : variant;
  // The engine's own diagnostics (an "Aborted(…)" line when QuickJS asserts) would go to
  // stderr; the sandbox turns every engine failure into a ScriptError instead.
  const quiet = { print: ignore, printErr: ignore } as VariantOptions['emscriptenModule'];
  const memory = new Memory({ initial: INITIAL_HEAP / PAGE, maximum: heapCapBytes / PAGE });
  const quietVariant = newVariant(base as Parameters<typeof newVariant>[0], {
    emscriptenModule: quiet,
    wasmMemory: memory as VariantOptions['wasmMemory'],
  });
  const engine = await newQuickJSWASMModuleFromVariant(quietVariant as Variant);
  heaps.set(engine, { memory, capBytes: heapCapBytes });
  return engine;
}

/**
 * The engine a sandbox runs on, plus a spare loaded ahead of need. QuickJS's C recursion runs
 * on Node's own stack, and a few engine paths (JSON.stringify of deeply nested data, the parser
 * on deeply nested source) do not stop at QuickJS's stack limit: Node's stack overflows inside
 * the wasm code. Such an engine may hold a half-updated heap, so it is retired whole — never
 * disposed, never called again, left to the garbage collector — and the spare takes over at
 * once, so the next run works synchronously while another spare loads in the background.
 */
export class EngineSlot {
  private current: QuickJSWASMModule | undefined;
  private spare: QuickJSWASMModule | undefined;
  private loading = false;
  private closed = false;

  constructor(
    current: QuickJSWASMModule,
    spare: QuickJSWASMModule,
    private readonly heapCapBytes: number,
  ) {
    this.current = current;
    this.spare = spare;
  }

  get engine(): QuickJSWASMModule {
    if (this.closed) throw new ScriptError('script_unavailable', 'the script sandbox was disposed');
    if (this.current === undefined) {
      this.refill();
      throw new ScriptError(
        'script_unavailable',
        'the script sandbox is reloading its engine after a failure; retry shortly',
      );
    }
    return this.current;
  }

  /** True while `engine` is the slot's live engine. */
  isLive(engine: QuickJSWASMModule): boolean {
    return !this.closed && engine === this.current;
  }

  retire(engine: QuickJSWASMModule): void {
    if (engine !== this.current) return;
    this.current = this.spare;
    this.spare = undefined;
    this.refill();
  }

  private refill(): void {
    if (this.loading || this.closed) return;
    this.loading = true;
    loadEngine(this.heapCapBytes).then(
      (engine) => {
        this.loading = false;
        if (this.closed) return;
        if (this.current === undefined) this.current = engine;
        else this.spare = engine;
        if (this.spare === undefined) this.refill();
      },
      () => {
        // Unexpected, as loading worked once already; asking for the engine again retries.
        this.loading = false;
      },
    );
  }

  close(): void {
    this.closed = true;
    this.current = undefined;
    this.spare = undefined;
  }
}
