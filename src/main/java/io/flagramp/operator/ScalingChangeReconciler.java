package io.flagramp.operator;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.core.Conditions;
import io.flagramp.core.Notice;
import io.flagramp.core.OptIn;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.flagramp.core.Plan;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
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

  private static final String BY_CONFIGMAP = "flagramp.io/by-configmap";

  private final Reconciliation reconciliation;
  private final Reconciliation.Events events;
  private final Clock clock;
  private final SimpleInboundEventSource<ScalingChange> measured;
  private final boolean configMapOptIn;
  private final ConfigMapCache configMapCache;
  private final OperatorMetrics metrics;
  private final Shard shard;
  private final Consumer<ScalingChange> forget;
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

  private final StatusWriter statusWriter = new StatusWriter();
  /** Faults in a row per object, for the backoff; forgotten on the next success. */
  private final Map<ResourceID, Integer> faults = new ConcurrentHashMap<>();

  /**
   * @param measured where the {@link Measurer} reports a finished round, to bring its change back
   * @param configMapOptIn watch only ConfigMaps with the opt-in label (else every ConfigMap)
   * @param shard the changes this operator owns; the controller's informer must select the same
   * @param forget drops what is kept in memory for a change that left this operator (its measurement
   *     round, its series on /metrics)
   */
  public ScalingChangeReconciler(Reconciliation reconciliation, Reconciliation.Events events, Clock clock,
      SimpleInboundEventSource<ScalingChange> measured, boolean configMapOptIn, OperatorMetrics metrics,
      ConfigMapCache configMapCache, Shard shard, Consumer<ScalingChange> forget) {
    this.configMapCache = configMapCache;
    this.metrics = metrics;
    this.shard = shard;
    this.forget = forget;
    this.reconciliation = reconciliation;
    this.events = events;
    this.clock = clock;
    this.measured = measured;
    this.configMapOptIn = configMapOptIn;
  }

  /**
   * Besides its own changes, a ScalingChange is reconciled when a round of its measurements is ready,
   * and when its ConfigMap changes (labelled, replaced, edited by someone else), found through an index
   * of the changes by ConfigMap rather than by listing them. The index is on this shard's cache, so a
   * ConfigMap shared with another shard's changes brings back only this shard's. A change that leaves
   * the cache is let go of ({@link Departures}).
   */
  @Override
  public List<EventSource<?, ScalingChange>> prepareEventSources(EventSourceContext<ScalingChange> context) {
    context.getPrimaryCache().addIndexer(BY_CONFIGMAP, sc -> sc.getSpec() == null || sc.getSpec().getFlag() == null
        ? List.of() : List.of(sc.getMetadata().getNamespace() + "/" + sc.getSpec().getFlag().getConfigMapName()));
    InformerEventSourceConfiguration.Builder<ConfigMap> configMaps = InformerEventSourceConfiguration
        .from(ConfigMap.class, ScalingChange.class)
        .withName("flag-configmaps")
        // Kept as little as a read of a flag takes, and listed a page at a time (ConfigMapCache).
        .withItemStore(new KeptConfigMap.Store())
        .withInformerListLimit(ConfigMapCache.LIST_PAGE)
        .withSecondaryToPrimaryMapper(cm -> context.getPrimaryCache()
            .byIndex(BY_CONFIGMAP, cm.getMetadata().getNamespace() + "/" + cm.getMetadata().getName()).stream()
            .map(ResourceID::fromResource).collect(Collectors.toSet()));
    if (configMapOptIn) {
      configMaps.withLabelSelector(OptIn.FLAGS + "=" + OptIn.VALUE);
    }
    InformerEventSource<ConfigMap, ScalingChange> source = new InformerEventSource<>(configMaps.build(), context);
    configMapCache.use(source);
    return List.of(source, measured, new Departures(change -> letGo(change, context.getClient())));
  }

  /**
   * An expected fault (a refused write) is handled here rather than thrown to JOSDK, which would log it
   * with a stack trace: it is recorded (see {@link #recordFault}) and retried with backoff, 1s doubling
   * to 60s. A 409 is not a fault: the object changed since it was read (a label, an annotation, another
   * writer), so the reconcile is made again at once from a fresh read, up to {@value #CONFLICT_RETRIES}
   * times, and after that looked at again within a second, never with the growing backoff. Anything
   * else is a bug and goes to JOSDK as it is.
   */
  @Override
  public UpdateControl<ScalingChange> reconcile(ScalingChange change, Context<ScalingChange> context) {
    ResourceID id = ResourceID.fromResource(change);
    long started = System.nanoTime();
    try {
      Optional<Plan> plan = withFreshReadOnConflict(change, context,
          current -> Optional.of(reconciliation.reconcile(current, statusStore(context))));
      faults.remove(id);
      return plan.flatMap(Plan::requeueAfter).map(delay -> UpdateControl.<ScalingChange>noUpdate().rescheduleAfter(delay))
          .orElseGet(UpdateControl::noUpdate);
    } catch (ReconcileFault fault) {
      recordFault(change, context, fault);
      return UpdateControl.<ScalingChange>noUpdate().rescheduleAfter(retryAfter(id, fault));
    } finally {
      metrics.reconciled(Duration.ofNanos(System.nanoTime() - started));
      if (context.getPrimaryCache().get(id).isEmpty()) {
        // It left while this reconcile ran, and Departures may have let go of it before this reconcile put
        // its series back on /metrics: let go again, now that nothing of this reconcile is left to run.
        forgetAll(change);
      }
    }
  }

  /**
   * Runs {@code work} on {@code change}; on a 409, again on the object read afresh from the API server
   * (not the cache, which may not have the newer version yet). Empty when the change is gone or no
   * longer this shard's.
   */
  private <T> Optional<T> withFreshReadOnConflict(ScalingChange change, Context<ScalingChange> context,
      java.util.function.Function<ScalingChange, Optional<T>> work) {
    ScalingChange current = change;
    for (int tries = 1; ; tries++) {
      try {
        return work.apply(current);
      } catch (ReconcileFault fault) {
        if (!fault.conflict() || tries >= CONFLICT_RETRIES) {
          throw fault;
        }
        metrics.writeFailed(fault instanceof FlagWriteFailed ? "configmap" : "status", fault.reason());
        log.info("{}/{}: {}; deciding again on a fresh read", change.getMetadata().getNamespace(),
            change.getMetadata().getName(), fault.getMessage());
        ScalingChange fresh = context.getClient().resource(current).get();
        if (fresh == null || !shard.owns(fresh)) {
          return Optional.empty();
        }
        current = fresh;
      }
    }
  }

  private static final int CONFLICT_RETRIES = 4;

  /**
   * Status writes through JOSDK's cache; a 409 that changed nothing a decision reads (a label, say) is
   * met by the same write on the version read fresh ({@link SameInputs}).
   */
  private Reconciliation.StatusStore statusStore(Context<ScalingChange> context) {
    return new SameInputs(statusWriter.store(context), change -> Optional.ofNullable(
        context.getClient().resource(change).get()).filter(shard::owns));
  }

  /** A conflict that kept coming back: within a second, never growing. Anything else: the backoff. */
  private Duration retryAfter(ResourceID id, ReconcileFault fault) {
    if (fault.conflict()) {
      return Duration.ofMillis(100 + java.util.concurrent.ThreadLocalRandom.current().nextInt(900));
    }
    return backoff(id);
  }

  /**
   * A change that is no longer this operator's: deleted, or relabelled into another shard. Nothing is
   * written for it; what is kept in memory goes. The informer hands over its last cached state, from
   * before the relabel, so whether it moved, and where, is read afresh: once per departure, and not for a
   * deletion through the finalizer.
   */
  private void letGo(ScalingChange change, KubernetesClient client) {
    forgetAll(change);
    if (!shard.sharded() || change.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    ScalingChange now;
    try {
      now = client.resource(change).get();
    } catch (KubernetesClientException e) {
      log.info("{}/{}: left this shard, or was deleted ({}); it is no longer reconciled here",
          change.getMetadata().getNamespace(), change.getMetadata().getName(), e.getMessage());
      return;
    }
    if (now != null && !shard.owns(now)) {
      ScalingChangeStatus status = now.getStatus();
      log.info("{}/{}: left this shard ({}={}; this shard owns {}) {}; it is no longer reconciled here",
          now.getMetadata().getNamespace(), now.getMetadata().getName(), Shard.LABEL,
          now.getMetadata().getLabels() == null ? null : now.getMetadata().getLabels().get(Shard.LABEL),
          shard.selector(), status == null || status.getPhase() == null ? "before its first status"
              : status.getPhase() + (status.getCurrentWeight() == null ? "" : " at weight "
                  + status.getCurrentWeight() + " (step " + status.getProgress() + ")"));
    }
  }

  /** An unexpected fault while acting on a plan: recorded, then JOSDK retries with backoff. */
  @Override
  public ErrorStatusUpdateControl<ScalingChange> updateErrorStatus(ScalingChange change,
      Context<ScalingChange> context, Exception e) {
    recordFault(change, context, e);
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  /**
   * Deleting a ScalingChange applies {@code spec.onDelete} to whatever of it is still in effect on the
   * ConfigMap, before the finalizer goes, one step at a time (a restore is recorded in status, made,
   * then the claim released); if a write cannot be made, the finalizer stays and it is tried again, at
   * once after a 409, with backoff otherwise.
   */
  @Override
  public DeleteControl cleanup(ScalingChange change, Context<ScalingChange> context) {
    ResourceID id = ResourceID.fromResource(change);
    boolean done;
    try {
      done = withFreshReadOnConflict(change, context,
          current -> Optional.of(reconciliation.cleanup(current, statusStore(context)))).orElse(true);
    } catch (ReconcileFault fault) {
      recordFault(change, context, fault);
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(retryAfter(id, fault).toMillis());
    }
    if (!done) {
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(1);
    }
    faults.remove(id);
    return DeleteControl.defaultDelete();
  }

  private void forgetAll(ScalingChange change) {
    faults.remove(ResourceID.fromResource(change));
    forget.accept(change);
  }

  /** 1s, 2s, 4s … 60s for faults in a row on one object. */
  private Duration backoff(ResourceID id) {
    int inARow = faults.merge(id, 1, Integer::sum);
    Duration next = Duration.ofSeconds(1L << Math.min(inARow - 1, 6));
    return next.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : next;
  }

  /**
   * Says so on the Reconciling condition and in a Warning Event, once per distinct message. The
   * status is read fresh, since the fault may have been a conflict with a newer version. Expected
   * faults are one log line; anything else carries its stack trace.
   */
  private void recordFault(ScalingChange change, Context<ScalingChange> context, Exception e) {
    String reason = e instanceof ReconcileFault fault ? fault.reason() : "ReconcileError";
    if (e instanceof FlagWriteFailed || e instanceof StatusWriteFailed) {
      metrics.writeFailed(e instanceof FlagWriteFailed ? "configmap" : "status", reason);
    }
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
      if (!shard.owns(fresh)) {
        // Relabelled into another shard meanwhile (most likely the cause of a 409): it is that shard's to write.
        log.info("{}: not recording the fault, the change is no longer this shard's", id);
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
