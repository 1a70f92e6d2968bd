package io.flagramp.core;

import io.flagramp.api.v1alpha1.FlagIntent;
import io.flagramp.api.v1alpha1.HandledActions;
import io.flagramp.api.v1alpha1.OnDelete;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The rollout as a pure function: (ScalingChange with its status, the flag's keys and claims in the
 * ConfigMap, the time, and measurements when it asked for them) → at most one ConfigMap write, the
 * next status, an Event and when to look again. No I/O, no clock of its own. The states and their
 * transitions are listed in {@link Reason}.
 *
 * <p>Each call takes the first rule that applies, and each rule is one unit:
 *
 * <ol>
 *   <li>{@link Intents}: a ConfigMap write recorded in status but not made is made (or, if it can no
 *       longer be, status is rewound to before it); then {@link Restarts}: the restart of
 *       spec.restartTargets that goes with a made write is made;
 *   <li>{@link OnCall}: a new {@code flagramp.io/abort} value reverts ({@link Reverts}); a new
 *       {@code flagramp.io/retry} value after RolledBack starts a new attempt; a new
 *       {@code flagramp.io/approve} value approves the step that awaits it; a new
 *       {@code flagramp.io/promote} value ends the current soak early;
 *   <li>a terminal phase stays: a spec edit is observed and does nothing to the flag;
 *   <li>{@link SpecValidator}: a spec that cannot work makes the change Invalid;
 *   <li>{@link Start}: before the first write, the ConfigMap, the claim on the keys, the gates and the
 *       baseline, then the first step ({@link StepEntry}) with the original values;
 *   <li>{@link Rollout}: someone else's change to the flag ({@link Drift}), holds, each interval's
 *       measurements ({@link MetricsRound}), and once every {@link Gate} passes the next {@link Move}.
 * </ol>
 *
 * <p>When a rule needs numbers it returns a plan that only asks for measurements; the reconciler
 * takes them and calls again with the answers, so the planner stays free of I/O. All progress is in
 * status, so the same call after a restart continues where the last one left off.
 */
public final class Planner {

  private final PlannerSettings settings;

  public Planner(PlannerSettings settings) {
    this.settings = settings;
  }

  public Plan plan(Observation o) {
    Draft d = new Draft(o, settings);
    if (d.spec() == null || d.spec().getFlag() == null) {
      // Nothing can be written or restored without the flag (immutable once set, so nothing was).
      return d.decide(Reason.InvalidSpec, "invalid spec: " + SpecValidator.validate(d.spec()).orElseThrow(),
          Notice.Kind.Warning).keep(Optional.empty());
    }
    Optional<Plan> unfinished = Intents.finish(d);
    if (unfinished.isPresent()) {
      return unfinished.get();
    }
    // After the intent: a step finished or rewound decides the weight the flag holds, which the note names.
    SpecEdits.note(d);
    Optional<Plan> restarting = Restarts.finish(d);
    if (restarting.isPresent()) {
      return restarting.get();
    }
    String handledAbort = d.next.getLastHandled() == null ? null : d.next.getLastHandled().getAbort();
    Optional<String> abort = OnCall.fresh(d, Annotations.ABORT, handledAbort);
    if (abort.isPresent()) {
      return OnCall.abort(d, abort.get());
    }
    String handledRetry = d.next.getLastHandled() == null ? null : d.next.getLastHandled().getRetry();
    Optional<String> retry = OnCall.fresh(d, Annotations.RETRY, handledRetry);
    if (retry.isPresent()) {
      return OnCall.retry(d, retry.get());
    }
    HandledActions handled = d.next.getLastHandled() == null ? new HandledActions() : d.next.getLastHandled();
    Optional<String> approve = OnCall.fresh(d, Annotations.APPROVE, handled.getApprove());
    if (approve.isPresent()) {
      return OnCall.approve(d, approve.get());
    }
    Optional<String> promote = OnCall.fresh(d, Annotations.PROMOTE, handled.getPromote());
    if (promote.isPresent()) {
      return OnCall.promote(d, promote.get());
    }
    Phase phase = d.phase();
    if (phase != null && phase.isTerminal()) {
      return d.keep(Optional.empty());
    }
    Optional<SpecProblem> problem = SpecValidator.validate(d.spec(), settings);
    if (problem.isPresent()) {
      return d.decide(Reason.InvalidSpec, "invalid spec: " + problem.get(), Notice.Kind.Warning)
          .keep(Optional.empty());
    }
    List<Gate> gates = gates(d);
    return d.started() ? new Rollout(gates).plan(d) : new Start(gates).plan(d);
  }

  /**
   * A ScalingChange being deleted, its finalizer still on: spec.onDelete is applied to what of it is
   * in effect, through the same write-ahead path and claim rules as an abort. A step decided and not
   * written is not written now. A running attempt with {@code onDelete: Restore} is reverted (RolledBack,
   * its restore recorded in status first); once nothing of it holds the keys any more its claim is
   * released, and the finalizer may go. A change whose values stay in effect (it succeeded, or
   * {@code onDelete: Keep}) leaves its claim as the record that it wrote them. A restore that may not be made (another change holds the keys)
   * is said, not made.
   */
  public Deletion planDeletion(Observation o) {
    Draft d = new Draft(o, settings);
    if (d.spec() == null || d.spec().getFlag() == null) {
      return new Deletion(d.keep(Optional.empty()), true);
    }
    FlagIntent intent = d.next.getIntent();
    if (intent != null && intent.getAction() == FlagIntent.Action.Step) {
      boolean made = o.flag().filter(f -> f.uid().equals(intent.getConfigMapUid())).isPresent()
          && Claims.own(d).map(c -> FlagClaim.order(c.applied()) >= FlagClaim.order(intent.getId())).orElse(false);
      if (made) {
        d.intentDone();
      } else {
        Intents.rewind(d, intent);  // never made, and not made now: the change is going
      }
    }
    if (d.next.getIntent() != null && d.next.getIntent().getAction() == FlagIntent.Action.Restore) {
      Optional<Plan> restoring = Intents.finish(d);
      if (restoring.isPresent()) {
        return new Deletion(restoring.get(), false);
      }
    }
    String where = d.weight() == null ? "" : " at weight " + d.weight() + " (step " + d.progress() + ")";
    Phase phase = d.phase();
    boolean running = d.started() && (phase == null || !phase.isTerminal());
    if (running && d.spec().onDeleteOrDefault() == OnDelete.Restore) {
      if (o.flag().isEmpty()) {
        d.acknowledge("DeletedRestored", "deleted" + where + ": ConfigMap " + d.flag().getConfigMapName()
            + " no longer exists, nothing to restore", Notice.Kind.Warning);
        return new Deletion(d.keep(Optional.empty()), true);
      }
      Plan revert = Reverts.revert(d, Reason.Aborted, "deleted" + where + ": onDelete=Restore ", "deleted");
      // Nothing to restore (another change holds the keys, or they hold their originals): whatever claim of
      // this change is left on the ConfigMap (a copy on one created again) goes with it.
      Optional<FlagWrite> write = revert.write().or(() -> ownClaimOn(o, d.uid()).map(FlagWrite.ReleaseClaim::new));
      Plan said = new Plan(write, revert.status(), revert.notice().map(n -> new Notice(n.kind() ==
          Notice.Kind.Warning && revert.write().isPresent() ? Notice.Kind.Normal : n.kind(), "DeletedRestored",
          n.message())), revert.requeueAfter(), revert.measure(), revert.restarts(), revert.notes());
      return new Deletion(said, revert.write().isEmpty());
    }
    if (running) {
      d.acknowledge("DeletedKept", "deleted" + where + ": onDelete=Keep leaves ConfigMap "
          + d.flag().getConfigMapName() + " as it is", Notice.Kind.Normal);
    }
    if (running || phase == Phase.Succeeded) {
      // Its values stay in effect: so does its claim, as the record that it wrote them. Stale once the change
      // is gone, it keeps a later restore of someone else's from writing over them, and the next change to
      // take the keys removes it.
      return new Deletion(d.keep(Optional.empty()), true);
    }
    Optional<String> ours = ownClaimOn(o, d.uid());
    if (ours.isPresent()) {
      // A release rides on no intent: it takes only this change's own record off the ConfigMap.
      return new Deletion(d.plan(Optional.of(new FlagWrite.ReleaseClaim(ours.get())), Optional.empty()), true);
    }
    return new Deletion(d.keep(Optional.empty()), true);
  }

  /** The uid of this change's claim on the ConfigMap, whatever its attempt or object, if one is there. */
  private static Optional<String> ownClaimOn(Observation o, String uid) {
    return o.flag().flatMap(f -> f.claimOf(uid)).map(c -> c.claim().uid());
  }

  /** The gates a move must pass, in the order they are asked. */
  private static List<Gate> gates(Draft d) {
    List<Gate> gates = new ArrayList<>(List.of(new SuspendGate(), new WritableGate(), new TargetsGate(),
        new SoakGate()));
    Analyzer.of(d.spec().getAnalysis()).ifPresent(a -> gates.add(new AnalysisGate(a)));
    gates.add(new ApprovalGate());
    gates.add(new WindowGate());
    return gates;
  }
}
