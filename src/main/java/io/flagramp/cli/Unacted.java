package io.flagramp.cli;

import io.flagramp.api.v1alpha1.HandledActions;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.Text;
import io.flagramp.core.Annotations;
import io.flagramp.core.Printable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * What the operator has not acted on yet: a spec generation it has not observed, or an on-call
 * annotation whose value is not in status.lastHandled. While anything is, the status describes the
 * past: {@code wait} does not judge it, and the screen says so.
 */
final class Unacted {

  private Unacted() {}

  /**
   * One line each, e.g. {@code abort "p99 doubled"} or {@code spec generation 4}, the value escaped
   * ({@link Printable}) for the screen; empty when status is current.
   */
  static List<String> of(ScalingChange sc) {
    ScalingChangeStatus status = sc.getStatus();
    if (status == null || status.getPhase() == null) {
      return List.of("the change itself (no status yet)");
    }
    List<String> unacted = new ArrayList<>();
    Long generation = sc.getMetadata().getGeneration();
    if (generation != null && (status.getObservedGeneration() == null || status.getObservedGeneration() < generation)) {
      unacted.add("spec generation " + generation);
    }
    HandledActions handled = status.getLastHandled() == null ? new HandledActions() : status.getLastHandled();
    Map<String, String> annotations = sc.getMetadata().getAnnotations() == null ? Map.of()
        : sc.getMetadata().getAnnotations();
    check(unacted, annotations, Annotations.ABORT, handled, HandledActions::getAbort);
    check(unacted, annotations, Annotations.RETRY, handled, HandledActions::getRetry);
    check(unacted, annotations, Annotations.APPROVE, handled, HandledActions::getApprove);
    check(unacted, annotations, Annotations.PROMOTE, handled, HandledActions::getPromote);
    return unacted;
  }

  private static void check(List<String> unacted, Map<String, String> annotations, String annotation,
      HandledActions handled, Function<HandledActions, String> field) {
    String value = annotations.get(annotation);
    if (value != null && !Objects.equals(Text.handled(value), field.apply(handled))) {
      unacted.add(annotation.substring(annotation.indexOf('/') + 1) + " \"" + Printable.escape(Text.cap(value, 60))
          + "\"");
    }
  }
}
