package io.flagramp.operator;

import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A status store that meets a 409 by reading the object again and, when nothing a decision reads has
 * changed since the copy it was planned from, making the same write on the fresh version at once.
 *
 * <p>Every status write is conditional on the resourceVersion of the copy it was planned from, so the API
 * server refuses one planned on a stale copy. But a resourceVersion also moves for what no decision reads:
 * a label a GitOps tool adds, a relabel storm, managedFields. Planning again after each of those, with the
 * reads it takes, leaves a window that busy writers of labels win every time (three clients relabelling a
 * change kept it from its first step). A decision reads the spec (its generation), the annotations (the
 * on-call actions), the status, whether the object is being deleted and its finalizers, and which shard it
 * belongs to; when all of those are the same on the fresh version, the decision is the same, and its write
 * is made again under the fresh resourceVersion, a read and a write apart. Anything else that changed is
 * left to the caller: the 409 goes up and the reconcile is decided again.
 */
public final class SameInputs implements Reconciliation.StatusStore {

  private static final Logger log = LoggerFactory.getLogger(SameInputs.class);

  /** Writes made again on a fresh version, one after another, before the 409 is handed up. */
  static final int RETRIES = 10;

  private final Reconciliation.StatusStore inner;
  private final Function<ScalingChange, Optional<ScalingChange>> fresh;

  /**
   * @param fresh reads the object from the API server itself (a cache may not have the newer version);
   *     empty when it is gone or no longer this operator's (a shard's selector may read any label)
   */
  public SameInputs(Reconciliation.StatusStore inner, Function<ScalingChange, Optional<ScalingChange>> fresh) {
    this.inner = inner;
    this.fresh = fresh;
  }

  @Override
  public void write(ScalingChange observed, ScalingChangeStatus next) {
    ScalingChange copy = observed;
    for (int tries = 0; ; tries++) {
      try {
        inner.write(copy, next);
        return;
      } catch (StatusWriteFailed failed) {
        copy = sameOrThrow(observed, failed, tries);
      }
    }
  }

  @Override
  public void verify(ScalingChange observed) {
    ScalingChange copy = observed;
    for (int tries = 0; ; tries++) {
      try {
        inner.verify(copy);
        return;
      } catch (StatusWriteFailed failed) {
        copy = sameOrThrow(observed, failed, tries);
      }
    }
  }

  /** The object read again, if a decision would read it the same as {@code planned}; else the 409 goes up. */
  private ScalingChange sameOrThrow(ScalingChange planned, StatusWriteFailed failed, int tries) {
    if (!failed.conflict() || tries >= RETRIES) {
      throw failed;
    }
    ScalingChange now = fresh.apply(planned).orElseThrow(() -> failed);
    if (!same(planned, now)) {
      throw failed;
    }
    log.info("{}/{}: HTTP 409 on its status; only what no decision reads changed (resourceVersion {} -> {}),"
        + " the same write made again", now.getMetadata().getNamespace(), now.getMetadata().getName(),
        planned.getMetadata().getResourceVersion(), now.getMetadata().getResourceVersion());
    return now;
  }

  /**
   * {@code a} and {@code b} give a decision the same inputs: only what no decision reads differs. The
   * spec is compared by its generation, which every spec change moves.
   */
  static boolean same(ScalingChange a, ScalingChange b) {
    var ma = a.getMetadata();
    var mb = b.getMetadata();
    return Objects.equals(ma.getUid(), mb.getUid())
        && Objects.equals(ma.getGeneration(), mb.getGeneration())
        && Objects.equals(ma.getDeletionTimestamp(), mb.getDeletionTimestamp())
        && Objects.equals(orEmpty(ma.getAnnotations()), orEmpty(mb.getAnnotations()))
        && Objects.equals(ma.getFinalizers(), mb.getFinalizers())
        && Objects.equals(orEmpty(ma.getLabels()).get(Shard.LABEL), orEmpty(mb.getLabels()).get(Shard.LABEL))
        && Objects.equals(a.getStatus(), b.getStatus());
  }

  private static Map<String, String> orEmpty(Map<String, String> map) {
    return map == null ? Map.of() : map;
  }
}
