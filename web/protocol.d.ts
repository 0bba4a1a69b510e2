// Types of the worker's message API (documented in web/worker.js, implemented in web/engine-host.js).
import type {
  Comparison, DecodeBound, Generation, Interval, ModelConfig, Parameters, PlanSpec, PromptAnalysis, SamplerSettings,
  StructureView, Throughput,
} from './engine/engine';

/** A PlanSpec plus the name of the calibration set (a key of the load request's calibrationSets). */
export interface Plan extends PlanSpec { calibration: string }

type Bytes = Blob | ArrayBuffer | Uint8Array;

export interface Requests {
  load: { args: { model: Bytes; modelName: string; tokenizer: Bytes; tokenizerName: string;
                  calibrationSets: Record<string, string[]> };
          result: { config: ModelConfig; parameters: Parameters; maxModelBytes: number } };
  plan: { args: { plan: Plan }; result: { plan: Plan; parameters: Parameters } };
  analyze: { args: { plan: Plan; prompt: string }; result: { analysis: PromptAnalysis; parameters: Parameters } };
  evaluate: { args: { plan: Plan; prompts: string[]; positions: 'last' | 'all' }; result: Comparison };
  sweep: { args: { plan: Plan; prompts: string[]; positions: 'last' | 'all'; blocks: number[] };
           result: { rows: SweepRow[]; skipped: { block: number; error: string }[] } };
  /** steps: positions in total, BOS and prompt included (llama2.c's -n). */
  generate: { args: { plan: Plan; prompt: string; steps: number; sampler: SamplerSettings };
              result: { teacher: Generation; student: Generation } };
  benchmark: { args: { plan: Plan; promptTokens: number; decodeTokens: number; runs: number };
               result: { teacher: Throughput; student: Throughput } };
  speed: { args: { plan: Plan; blocks: number[]; promptTokens: number; decodeTokens: number; runs: number };
           result: { rows: SpeedRow[]; bound: DecodeBound } };
  structure: { args: { plan: Plan; layer: number; matrix: 'gate' | 'up' | 'down'; blockRow: number; blockCol: number };
               result: StructureView };
  /** Without ids: every queued and running request. */
  cancel: { args: { ids?: number[] }; result: { cancelled: number } };
}

export interface SweepRow {
  block: number;
  kl: Interval; cosine: Interval; top1: Interval; top5: Interval;
  parameters: Parameters;
}

/** A figure over a speed measurement's rounds. */
export interface Spread { median: number; low: number; high: number }
type Figures = { prefill: Spread; decode: Spread; prefillMlpShare: Spread; decodeMlpShare: Spread };
export interface SpeedRow {
  block: number;
  teacher: Figures; student: Figures;
  /** The student's ÷ the teacher's of the same round. */
  speedup: { prefill: Spread; decode: Spread };
}

export type Request<V extends keyof Requests = keyof Requests> = { verb: V; args: Requests[V]['args']; id: number };

export type Reply<V extends keyof Requests = keyof Requests> =
  | { id: number; progress: { done: number; total: number; label: string; partial?: SweepRow | { block: number; error: string } | { rows: SpeedRow[] } } }
  | { id: number; result: Requests[V]['result'] }
  | { id: number; error: string; cancelled?: true };
