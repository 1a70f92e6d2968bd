package io.flagramp.operator;

import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.core.Conditions;
import io.flagramp.core.Notice;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JOSDK side of a {@link Reconciliation}: status writes go through JOSDK's cache, faults are
 * recorded on the Reconciling condition and retried with backoff, deletion waits for the restore.
 */
@ControllerConfiguration(name = ScalingChangeReconciler.NAME, finalizerName = ScalingChangeReconciler.FINALIZER,
    generationAwareEventProcessing = false, informer = @Informer(onUpdateFilter = ActionableUpdates.class))
public final class ScalingChangeReconciler implements Reconciler<ScalingChange>, Cleaner<ScalingChange> {

  public static final String NAME = "scalingchange";
  /** Keeps a deleted ScalingChange around until onDelete has been applied to the flag. */
  public static final String FINALIZER = "flagramp.io/on-delete";

  private static final Logger log = LoggerFactory.getLogger(ScalingChangeReconciler.class);

  private final Reconciliation reconciliation;
  private final Reconciliation.Events events;
  private final Clock clock;
  private final StatusWriter statusWriter = new StatusWriter();

  public ScalingChangeReconciler(Reconciliation reconciliation, Reconciliation.Events events, Clock clock) {
    this.reconciliation = reconciliation;
    this.events = events;
    this.clock = clock;
  }

  @Override
  public UpdateControl<ScalingChange> reconcile(ScalingChange change, Context<ScalingChange> context) {
    return reconciliation.reconcile(change, (observed, status) -> statusWriter.write(observed, status, context))
        .requeueAfter().map(delay -> UpdateControl.<ScalingChange>noUpdate().rescheduleAfter(delay))
        .orElseGet(UpdateControl::noUpdate);
  }

  /** A fault while acting on a plan: recorded (see {@link #recordFault}), then JOSDK retries with backoff. */
  @Override
  public ErrorStatusUpdateControl<ScalingChange> updateErrorStatus(ScalingChange change,
      Context<ScalingChange> context, Exception e) {
    recordFault(change, context, e);
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  /**
   * Deleting a ScalingChange applies {@code spec.onDelete} to whatever of it is still in effect on the
   * ConfigMap, before the finalizer goes.
   */
  @Override
  public DeleteControl cleanup(ScalingChange change, Context<ScalingChange> context) {
    try {
      reconciliation.cleanup(change);
    } catch (ReconcileFault fault) {
      // JOSDK does not hand cleanup errors to updateErrorStatus: record it here; the finalizer stays,
      // and the rethrow makes JOSDK retry with backoff.
      recordFault(change, context, fault);
      throw fault;
    }
    return DeleteControl.defaultDelete();
  }

  /**
   * Says so on the Reconciling condition and in a Warning Event, once per distinct message. The
   * status is read fresh, since the fault may have been a conflict with a newer version. Expected
   * faults are one log line; anything else carries its stack trace.
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
}
