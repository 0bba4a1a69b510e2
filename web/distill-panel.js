// The distillation panel: the live training chart and its note while a student trains; a line
// saying where a ready-made student came from; and, for a plan that has no student yet, an offer
// instead of a silent start: what training would do, about how long it would take here, and the
// nearest plan that is ready at once. Nothing here changes a control by itself.
import { CANONICAL_DISTILL, DISTILL, planKey, planOf } from './state.js';
import { amount } from './model-intake.js';
import { DistillChart } from './views/distill-chart.js';

const $ = (selector) => document.querySelector(selector);

// A step runs the student forward and backward over one batch, and the teacher over lines whose
// answers are not cached: in Chromium 50 steps took as long as 3.4 teacher prefills of as many
// tokens each (web/README.md, "Distillation without a trap").
const STEP_IN_FORWARDS = 3.4;
const HELD_OUT_EVERY = 10;  // steps between two held-out measurements (web/engine-host.js)

export class DistillPanel {
  constructor() {
    this.chart = new DistillChart($('#distill-chart'));
    this.run = null;           // the training on screen: {planKey, firstStep, firstMs, step, steps}
    this.approved = new Set();  // plans the visitor asked to train, by plan key
    this.secondsPerStep = null; // measured in this visit, once a training has run
  }

  /** The visitor chose to train this plan. */
  approve(state) { this.approved.add(planKey(planOf(state))); }

  isApproved(state) { return this.approved.has(planKey(planOf(state))); }

  /** A progress report of a training under way. */
  report(state, report) {
    const key = planKey(planOf(state));
    this.show('live');
    if (!this.run || this.run.planKey !== key || report.step < this.run.step) {
      this.chart.reset();
      this.run = { planKey: key, firstStep: report.step, firstMs: report.ms };
    }
    Object.assign(this.run, report);
    this.chart.add(report);
    const pace = (report.ms - this.run.firstMs) / Math.max(1, report.step - this.run.firstStep);
    if (report.step > this.run.firstStep) this.secondsPerStep = pace / 1000;
    const left = Math.round(((report.steps - report.step) * pace) / 1000);
    $('#distill-note').textContent = `step ${report.step} of ${report.steps}, batch KL ${report.batchKl.toFixed(3)}` +
      (report.heldOutKl !== undefined ? `, KL on the lecture prompts ${report.heldOutKl.toFixed(3)}` : '') +
      (report.step < report.steps && report.step > this.run.firstStep ? `, about ${left} s left` : '') +
      ` · B = ${state.B}, rate ${state.lr}`;
  }

  /** True while a training of this state's plan has steps left. */
  training(state) {
    return this.run && this.run.planKey === planKey(planOf(state)) && this.run.step < this.run.steps;
  }

  /** The student arrived without a training to show: say where it came from. */
  ready(state, canonical) {
    if (this.run?.planKey === planKey(planOf(state))) return;  // trained just now: the chart shows it
    this.chart.reset();
    this.show(null);
    $('#distill-note').textContent = canonical
      ? `ready-made: trained beforehand (${CANONICAL_DISTILL.steps} steps on 916 held-out passages, every layer at ` +
        'each B from 4 to 256). Change the steps or the rate to train one here.'
      : `trained earlier in this visit (B = ${state.B}, ${state.dsteps} steps, rate ${state.lr}).`;
  }

  /**
   * No student yet: what training would do and cost. `estimate` holds what the page knows of this
   * machine's speed: {prefillTokensPerSecond, tokensPerPassage}; `nearest` the state of the nearest
   * ready-made plan, or null.
   */
  offer(state, estimate, nearest, onTrain, onNearest) {
    this.show('offer');
    $('#distill-note').textContent = 'not trained yet';
    const seconds = this.estimateSeconds(state, estimate);
    const time = seconds == null ? '' : seconds < 90 ? ` (about ${Math.max(5, Math.round(seconds / 5) * 5)} s on this ` +
      'machine)' : ` (about ${Math.round(seconds / 60)} minutes on this machine)`;
    const { need, room } = estimate.memory ?? {};
    const fits = !(need > room);  // unknown: offered
    $('#distill-offer-text').textContent = `There is no distilled student for these settings yet. ` + (fits
      ? `Training one runs ${state.dsteps} steps, each on ${DISTILL.batch} of the 916 held-out passages${time}; you ` +
        'can stop it at any time and keep what it learned.'
      : `Training one here would need about ${amount(need)} for each step (${DISTILL.batch} passages of about ` +
        `${Math.round(estimate.tokensPerPassage)} tokens, every layer's activations kept for the backward pass), ` +
        `more than the ${amount(Math.max(0, room))} the page's engine has left beside this model. The CLI trains it ` +
        '(circulant distill, docs/cli.md).') + (nearest ? ` A ready-made one exists for ${describe(nearest)}.` : '');
    $('#distill-start').hidden = !fits;
    $('#distill-start').onclick = onTrain;
    $('#distill-nearest').hidden = !nearest;
    $('#distill-nearest').textContent = nearest ? `Use the ready-made one (${describe(nearest)})` : '';
    $('#distill-nearest').onclick = onNearest;
  }

  estimateSeconds(state, { prefillTokensPerSecond, tokensPerPassage } = {}) {
    const perStep = this.secondsPerStep ?? (prefillTokensPerSecond && tokensPerPassage
      ? (STEP_IN_FORWARDS * DISTILL.batch * tokensPerPassage) / prefillTokensPerSecond : null);
    if (perStep == null) return null;
    return state.dsteps * perStep * (1 + 1 / HELD_OUT_EVERY);
  }

  show(which) {
    $('#distill-offer').hidden = which !== 'offer';
    $('#distill-live').hidden = which !== 'live';
  }
}

function describe(state) {
  return `every layer, all three matrices, B = ${state.B}, ${state.dsteps} steps`;
}
