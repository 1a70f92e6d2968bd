package io.flagramp.operator;

import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.OnDelete;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.core.Claims;
import io.flagramp.core.Conditions;
import io.flagramp.core.FlagWrite;
import io.flagramp.core.Notice;
import io.flagramp.core.Observation;
import io.flagramp.core.Plan;
import io.flagramp.core.Planner;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin layer between JOSDK and the {@link Planner}: observe (the ConfigMap, the other changes
 * from the informer cache, the clock, and the metrics when the planner asks for them), plan, act (at
 * most one ConfigMap write, then status only if it changed, then an Event for a transition), and
 * reschedule for whatever is due next. It never sleeps.
 */
@ControllerConfiguration(name = ScalingChangeReconciler.NAME, finalizerName = ScalingChangeReconciler.FINALIZER,
    generationAwareEventProcessing = false, informer = @Informer(onUpdateFilter = ActionableUpdates.class))
public final class ScalingChangeReconciler implements Reconciler<ScalingChange>, Cleaner<ScalingChange> {

  public static final String NAME = "scalingchange";
  /** Keeps a deleted ScalingChange around until onDelete has been applied to the flag. */
  public static final String FINALIZER = "flagramp.io/on-delete";

  private static final Logger log = LoggerFactory.getLogger(ScalingChangeReconciler.class);

  private final Planner planner;
  private final FlagStore flags;
  private final Measurer measurer;
  private final EventRecorder events;
  private final Clock clock;
  private final StatusWriter statusWriter = new StatusWriter();

  public ScalingChangeReconciler(Planner planner, FlagStore flags, Measurer measurer, EventRecorder events,
      Clock clock) {
    this.planner = planner;
    this.flags = flags;
    this.measurer = measurer;
    this.events = events;
    this.clock = clock;
  }

  @Override
  public UpdateControl<ScalingChange> reconcile(ScalingChange change, Context<ScalingChange> context) {
    String namespace = change.getMetadata().getNamespace();
    Optional<FlagStore.Snapshot> snapshot = readFlag(change);
    Observation observation = new Observation(change, snapshot.map(FlagStore.Snapshot::flag),
        Claims.of(context.getPrimaryCache().list(namespace).toList(), change.getMetadata().getName()),
        clock.instant());
    Plan plan = planner.plan(observation);
    if (plan.measure().isPresent()) {
      // The planner needs numbers first: measure at the observation's time and plan again with them.
      plan = planner.plan(observation.withMeasurements(
          measurer.measure(change, plan.measure().get(), observation.now())));
      if (plan.measure().isPresent()) {
        throw new IllegalStateException("the planner asked to measure twice in one reconcile");
      }
    }

    if (plan.write().isPresent()) {
      FlagTarget flag = change.getSpec().getFlag();
      flags.write(namespace, flag.getConfigMapName(), plan.write().get(),
          snapshot.map(FlagStore.Snapshot::version).orElse(null));
    }
    if (!plan.status().equals(change.getStatus())) {
      statusWriter.write(change, plan.status(), context);
    }
    plan.notice().ifPresent(notice -> announce(change, notice));
    return plan.requeueAfter()
        .map(delay -> UpdateControl.<ScalingChange>noUpdate().rescheduleAfter(delay))
        .orElseGet(UpdateControl::noUpdate);
  }

  private Optional<FlagStore.Snapshot> readFlag(ScalingChange change) {
    FlagTarget flag = change.getSpec() == null ? null : change.getSpec().getFlag();
    if (flag == null || flag.getConfigMapName() == null || flag.getPercentageKey() == null) {
      return Optional.empty();
    }
    return flags.read(change.getMetadata().getNamespace(), flag.getConfigMapName(), flag.keys());
  }

  /** A fault while acting on a plan: recorded (see {@link #recordFault}), then JOSDK retries with backoff. */
  @Override
  public ErrorStatusUpdateControl<ScalingChange> updateErrorStatus(ScalingChange change,
      Context<ScalingChange> context, Exception e) {
    recordFault(change, context, e);
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  /**
   * Says so on the Reconciling condition and in a Warning Event, once per distinct message. The
   * status is read fresh, since the fault may have been a conflict with a newer version.
   */
  private void recordFault(ScalingChange change, Context<ScalingChange> context, Exception e) {
    String reason = e instanceof ReconcileFault fault ? fault.reason() : "ReconcileError";
    String message = e instanceof ReconcileFault ? e.getMessage() : "unexpected error: " + e;
    String id = change.getMetadata().getNamespace() + "/" + change.getMetadata().getName();
    if (e instanceof ReconcileFault) {
      log.warn("{}: {} ({}); retrying", id, message, reason);
    } else {
      log.warn("{}: {} ({}); retrying", id, message, reason, e);
    }
    try {
      ScalingChange fresh = context.getClient().resource(change).get();
      if (fresh == null) {
        return;
      }
      ScalingChangeStatus status = fresh.getStatus() == null ? new ScalingChangeStatus() : fresh.getStatus().copy();
      long generation = fresh.getMetadata().getGeneration() == null ? 0 : fresh.getMetadata().getGeneration();
      Conditions.setFault(status, reason, message + "; retrying", generation, clock.instant());
      if (!status.equals(fresh.getStatus())) {
        fresh.setStatus(status);
        context.getClient().resource(fresh).updateStatus();
        events.record(fresh, Notice.warning(reason, message + "; retrying"));
      }
    } catch (RuntimeException again) {
      log.warn("{}: could not record the fault in status: {}", id, again.getMessage());
    }
  }

  /**
   * Deleting a ScalingChange that has written the flag and not ended applies {@code spec.onDelete}:
   * Restore (the default) puts the original values back before the finalizer goes.
   */
  @Override
  public DeleteControl cleanup(ScalingChange change, Context<ScalingChange> context) {
    ScalingChangeStatus status = change.getStatus();
    boolean wrote = status != null && status.getOriginalValues() != null && status.getCurrentStep() != null
        && status.getCurrentStep() >= 0 && status.getPhase() != Phase.RolledBack
        && status.getPhase() != Phase.Succeeded;
    if (!wrote) {
      return DeleteControl.defaultDelete();
    }
    FlagTarget flag = change.getSpec().getFlag();
    String where = "at weight " + status.getCurrentWeight() + " (step " + status.getProgress() + ")";
    if (change.getSpec().onDeleteOrDefault() == OnDelete.Keep) {
      announce(change, Notice.normal("DeletedKept", "deleted " + where + ": onDelete=Keep leaves ConfigMap "
          + flag.getConfigMapName() + " as it is"));
      return DeleteControl.defaultDelete();
    }
    Optional<FlagStore.Snapshot> snapshot = readFlag(change);
    if (snapshot.isEmpty()) {
      announce(change, Notice.warning("DeletedRestored", "deleted " + where + ": ConfigMap "
          + flag.getConfigMapName() + " no longer exists, nothing to restore"));
      return DeleteControl.defaultDelete();
    }
    FlagWrite.Restore restore = new FlagWrite.Restore(flag.keys(), status.getOriginalValues());
    try {
      flags.write(change.getMetadata().getNamespace(), flag.getConfigMapName(), restore, snapshot.get().version());
    } catch (ReconcileFault fault) {
      // JOSDK does not hand cleanup errors to updateErrorStatus: record it here; the finalizer stays,
      // and the rethrow makes JOSDK retry with backoff.
      recordFault(change, context, fault);
      throw fault;
    }
    announce(change, Notice.normal("DeletedRestored", "deleted " + where + ": onDelete=Restore "
        + restore.describe()));
    return DeleteControl.defaultDelete();
  }

  private void announce(ScalingChange change, Notice notice) {
    String id = change.getMetadata().getNamespace() + "/" + change.getMetadata().getName();
    if (notice.kind() == Notice.Kind.Warning) {
      log.warn("{}: {} ({})", id, notice.message(), notice.reason());
    } else {
      log.info("{}: {} ({})", id, notice.message(), notice.reason());
    }
    events.record(change, notice);
  }
}
