package io.flagramp.api.v1alpha1;

import java.util.EnumSet;
import java.util.Set;

/**
 * Why a ScalingChange is in its phase: with {@link Phase}, the state of the rollout. The planner
 * decides from this typed value (stored in {@code status.reason}), never from condition strings.
 * Each reason names the phases it may go with; the planner refuses any other pair.
 *
 * <p>The transitions, all of them. "Running" means the attempt has written the flag and not ended:
 * Progressing, Baking, Paused (after the first step) or Held.
 *
 * <table>
 *   <caption>Transitions</caption>
 *   <tr><th>from</th><th>when</th><th>to</th></tr>
 *   <tr><td>not started</td><td>the ConfigMap does not exist</td><td>Pending ConfigMapNotFound</td></tr>
 *   <tr><td>not started</td><td>a live ScalingChange claims one of the keys on the ConfigMap</td>
 *       <td>Pending Conflict</td></tr>
 *   <tr><td>not started</td><td>spec.suspend</td><td>Paused Suspended</td></tr>
 *   <tr><td>not started</td><td>the baseline cannot be measured</td><td>Progressing BaselineUnavailable;
 *       breaker tripped: Held / RolledBack MetricsUnavailable; no data with onNoData Fail: RolledBack
 *       NoData</td></tr>
 *   <tr><td>not started</td><td>baseline taken (or none needed)</td><td>Progressing StepEntered: the
 *       original values and the first write's intent in one status write, then the ConfigMap</td></tr>
 *   <tr><td>Progressing</td><td>soak over, analysis not yet passing</td><td>Progressing AwaitingAnalysis</td></tr>
 *   <tr><td>running</td><td>a query failed below the breaker's limit</td><td>same phase,
 *       MetricsUnavailable</td></tr>
 *   <tr><td>running</td><td>the breaker trips</td><td>Held MetricsUnavailable (action Hold), or as a
 *       failure (action Fail)</td></tr>
 *   <tr><td>running</td><td>the same, but Prometheus said the query is wrong (rejected PromQL, several
 *       series)</td><td>QueryInvalid in place of MetricsUnavailable</td></tr>
 *   <tr><td>Progressing</td><td>soak over, a metric has no data</td><td>Held NoData</td></tr>
 *   <tr><td>running</td><td>a metric failed failureLimit times in a row</td><td>RolledBack
 *       ThresholdBreached (onFailure Revert), Held ThresholdBreached (onFailure Hold)</td></tr>
 *   <tr><td>not started, Progressing</td><td>soak and analysis passed, the next step has approval: Manual
 *       and no approval for its weight</td><td>AwaitingApproval AwaitingApproval</td></tr>
 *   <tr><td>AwaitingApproval</td><td>flagramp.io/approve gets a new value</td><td>the same, status.approval
 *       recorded for the waiting step's weight; then as Progressing</td></tr>
 *   <tr><td>not started, Progressing</td><td>every other gate passes, outside spec.windows</td><td>Pending
 *       (not started) or Progressing OutsideWindow, nextStepAt the next opening</td></tr>
 *   <tr><td>Progressing, Baking</td><td>flagramp.io/promote while the soak (bake) runs</td><td>the same,
 *       status.promotion recorded: the soak is over, the analysis is still required</td></tr>
 *   <tr><td>Progressing</td><td>every gate of the next step passes</td><td>Progressing StepEntered</td></tr>
 *   <tr><td>Progressing</td><td>every gate passes after the last step</td><td>Baking Baking, or
 *       Succeeded without spec.bake</td></tr>
 *   <tr><td>Baking</td><td>bake over and analysis passing</td><td>Succeeded Succeeded</td></tr>
 *   <tr><td>running</td><td>someone else changed a flag key</td><td>Held ExternalChange</td></tr>
 *   <tr><td>running</td><td>spec.suspend</td><td>Paused Suspended</td></tr>
 *   <tr><td>running</td><td>spec.steps now ends below the weight written</td><td>Held ScheduleEdited</td></tr>
 *   <tr><td>running</td><td>the ConfigMap was deleted and created again (another uid)</td><td>Held
 *       ConfigMapReplaced, until abort (which restores the original values on the new object unless
 *       another change holds its keys) or delete</td></tr>
 *   <tr><td>running</td><td>the attempt's claim annotation is gone from the ConfigMap</td><td>Held
 *       ClaimLost</td></tr>
 *   <tr><td>running</td><td>another live change's claim is on one of the keys</td><td>Held Conflict</td></tr>
 *   <tr><td>not started</td><td>the first step would lower the flag's current weight</td><td>AwaitingApproval
 *       AwaitingApproval, until flagramp.io/approve</td></tr>
 *   <tr><td>Held, Paused</td><td>the cause is gone (value put back, data or answers again, spec edited
 *       after a held breach, unsuspended, a step at or above the weight again)</td><td>Progressing
 *       Resumed</td></tr>
 *   <tr><td>not terminal</td><td>flagramp.io/abort</td><td>RolledBack Aborted, restoring whatever was
 *       written</td></tr>
 *   <tr><td>Succeeded</td><td>flagramp.io/abort, no other change wrote the keys since</td><td>RolledBack
 *       Aborted</td></tr>
 *   <tr><td>RolledBack</td><td>flagramp.io/retry</td><td>Pending NewAttempt, then as not started</td></tr>
 *   <tr><td>not terminal</td><td>the spec cannot work</td><td>Invalid InvalidSpec</td></tr>
 *   <tr><td>not started</td><td>the ConfigMap (or the auth Secret) lacks its opt-in label, or the
 *       ConfigMap is immutable</td><td>Invalid ConfigMapNotOptedIn / SecretNotOptedIn /
 *       ConfigMapImmutable</td></tr>
 *   <tr><td>running</td><td>the same, when the next step is due (or, for the Secret, when measuring)</td>
 *       <td>Held ConfigMapNotOptedIn / SecretNotOptedIn /
 *       ConfigMapImmutable</td></tr>
 *   <tr><td>not started</td><td>the flagd document does not parse, lacks the flag or a variant, or its
 *       targeting does not end in a split over on and off</td><td>Invalid FlagUnrampable</td></tr>
 *   <tr><td>running</td><td>the same, when the next step is due (someone else edited the document)</td>
 *       <td>Held FlagUnrampable</td></tr>
 *   <tr><td>Invalid, Held for those</td><td>labelled, replaced, or the document fixed</td><td>as before
 *       (Resumed)</td></tr>
 *   <tr><td>Invalid</td><td>the spec is fixed</td><td>not started again, or Progressing Resumed</td></tr>
 *   <tr><td>Succeeded, RolledBack</td><td>a spec edit</td><td>the same: observedGeneration moves, the
 *       flag is not touched</td></tr>
 * </table>
 *
 * <p>Every transition that writes the flag is recorded first (status.intent) and carried out
 * second; a reconcile finishes an unfinished intent before it decides anything else.
 */
public enum Reason {
  /** The flag's ConfigMap does not exist. */
  ConfigMapNotFound(Phase.Pending),
  /**
   * Another live ScalingChange claims one of the keys on the ConfigMap; it is named in the message.
   * Pending before the first write; Held (writing nothing) if two claims ever meet on a running change.
   */
  Conflict(Phase.Pending, Phase.Held),
  /**
   * The ConfigMap this attempt wrote was deleted and created again: the new object is not the
   * attempt's, and it is never ramped; abort puts the original values on it.
   */
  ConfigMapReplaced(Phase.Held),
  /** This attempt's claim annotation is gone from its ConfigMap: nothing is written without it. */
  ClaimLost(Phase.Held),
  /** A retry started a new attempt; the next reconcile starts it. */
  NewAttempt(Phase.Pending),
  /** spec.suspend is true. */
  Suspended(Phase.Paused),
  /** The baseline could not be measured; nothing has been written. */
  BaselineUnavailable(Phase.Progressing),
  /** A step was entered and soaks. */
  StepEntered(Phase.Progressing),
  /** The soak is over; the analysis has not passed in this step yet. */
  AwaitingAnalysis(Phase.Progressing),
  /** The next step needs a person's approval (flagramp.io/approve); everything else has passed. */
  AwaitingApproval(Phase.AwaitingApproval),
  /** The next step is due outside spec.windows; the message and nextStepAt say when one opens. */
  OutsideWindow(Phase.Pending, Phase.Progressing),
  /** The step's write was made; the restart targets roll out, and the soak starts once they have. */
  RollingOut(Phase.Progressing),
  /** Every restart target rolled out at the step's weight: the soak starts now. */
  RolledOut(Phase.Progressing),
  /** A restart target did not finish its rollout within restartTimeout: a failure of the step. */
  RestartTimedOut(Phase.Held, Phase.RolledBack),
  /** A restart target does not exist in the change's namespace. */
  RestartTargetNotFound(Phase.Pending, Phase.Held),
  /** A restart target does not carry its opt-in label (flagramp.io/restart=true). */
  RestartTargetNotOptedIn(Phase.Invalid, Phase.Held),
  /** A hold or pause ended; the step soaks (again). */
  Resumed(Phase.Progressing, Phase.Baking),
  /** A query failed: below the breaker's limit the phase stays; at it, Held or RolledBack. */
  MetricsUnavailable(Phase.Progressing, Phase.AwaitingApproval, Phase.Baking, Phase.Paused, Phase.Held,
      Phase.RolledBack),
  /**
   * Prometheus answered that a query is wrong: it rejected the PromQL, or it returned several series
   * where one value is needed. Fix the query; as MetricsUnavailable otherwise (the same breaker).
   */
  QueryInvalid(Phase.Progressing, Phase.AwaitingApproval, Phase.Baking, Phase.Paused, Phase.Held,
      Phase.RolledBack),
  /** A metric has no data after the soak (Held), or the baseline had none with onNoData Fail (RolledBack). */
  NoData(Phase.Held, Phase.RolledBack),
  /** The last step passed; measuring on for spec.bake. */
  Baking(Phase.Baking),
  /** The last step passed its soak, analysis and bake. */
  Succeeded(Phase.Succeeded),
  /** Someone else changed a flag key while the change was running. */
  ExternalChange(Phase.Held),
  /** A metric failed failureLimit times in a row. */
  ThresholdBreached(Phase.Held, Phase.RolledBack),
  /**
   * A cohort metric found the flag-on cohort worse than flag-off by more than it allows, at the stated
   * confidence: the same as ThresholdBreached for onFailure.
   */
  CohortWorse(Phase.Held, Phase.RolledBack),
  /**
   * A cohort metric is still undecided, a cohort below its minimum sample, past the step's pause:
   * Progressing (Baking, in a bake below weight 100) while extended, then Held (or RolledBack, as
   * spec.analysis.cohorts.undecided says).
   */
  Undecided(Phase.Progressing, Phase.Baking, Phase.Held, Phase.RolledBack),
  /** spec.steps was edited to end below the weight already written; a spec edit never lowers it. */
  ScheduleEdited(Phase.Held),
  /** flagramp.io/abort. */
  Aborted(Phase.RolledBack),
  /** The spec cannot work; the message names the field. */
  InvalidSpec(Phase.Invalid),
  /**
   * The ConfigMap does not carry its opt-in label (flagramp.io/flags=true); the message names it.
   * Invalid before the first write, Held after (measuring goes on); looked at again regularly.
   */
  ConfigMapNotOptedIn(Phase.Invalid, Phase.Held),
  /**
   * The auth Secret does not carry its opt-in label (flagramp.io/prometheus-credentials=true), or is a
   * service-account token: nothing is sent. Invalid before the first write, Held after.
   */
  SecretNotOptedIn(Phase.Invalid, Phase.Held),
  /** The ConfigMap is immutable: nothing can be written to it until it is replaced. */
  ConfigMapImmutable(Phase.Invalid, Phase.Held),
  /**
   * The flag cannot be ramped as the ConfigMap holds it: a flagd document that does not parse, a flag or a
   * variant it lacks, targeting that does not end in a split over the on and off variants. Invalid before
   * the first write, Held after (someone else's edit); looked at again regularly, and a restore waits while
   * the document does not parse.
   */
  FlagUnrampable(Phase.Invalid, Phase.Held);

  private final Set<Phase> phases;

  Reason(Phase first, Phase... more) {
    this.phases = EnumSet.of(first, more);
  }

  /** The phases this reason may go with. */
  public Set<Phase> phases() {
    return phases;
  }

  /** The phase this reason goes with when it has only one. */
  public Phase phase() {
    if (phases.size() != 1) {
      throw new IllegalStateException(this + " goes with " + phases + ": name the phase");
    }
    return phases.iterator().next();
  }

  public boolean allows(Phase phase) {
    return phases.contains(phase);
  }
}
