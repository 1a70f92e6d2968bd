package io.flagramp.cli;

import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.core.Printable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * ScalingChanges as a table, one line each, as {@code kubectl get} prints them; the reason and the next due
 * time included. Every cell is escaped ({@link Printable}): the table goes to the terminal as it is.
 */
final class ChangeTable {

  private ChangeTable() {}

  static String render(List<ScalingChange> changes, boolean withNamespace, String namespace, Instant now) {
    if (changes.isEmpty()) {
      return withNamespace ? "No ScalingChanges found.\n" : "No ScalingChanges found in namespace " + Printable.escape(namespace) + ".\n";
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAMESPACE", "NAME", "PHASE", "REASON", "STEP", "WEIGHT", "NEXT"});
    changes.stream()
        .sorted(Comparator.comparing((ScalingChange c) -> c.getMetadata().getNamespace())
            .thenComparing(c -> c.getMetadata().getName()))
        .forEach(c -> rows.add(Arrays.stream(row(c, now)).map(Printable::escape).toArray(String[]::new)));
    int from = withNamespace ? 0 : 1;
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = from; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = from; i < row.length; i++) {
        line.append(i == row.length - 1 ? row[i] : StatusScreen.pad(row[i], widths[i] + 2).substring(0, widths[i] + 2));
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }

  private static String[] row(ScalingChange c, Instant now) {
    ScalingChangeStatus s = c.getStatus() == null ? new ScalingChangeStatus() : c.getStatus();
    Instant next = Times.parse(s.getNextStepAt());
    return new String[] {
        c.getMetadata().getNamespace(),
        c.getMetadata().getName(),
        s.getPhase() == null ? "-" : s.getPhase().name(),
        s.getReason() == null ? "-" : s.getReason().name(),
        s.getProgress() == null ? "-" : s.getProgress(),
        s.getCurrentWeight() == null ? "-" : s.getCurrentWeight().toString(),
        next == null || !next.isAfter(now) ? "-" : "in " + Times.left(Duration.between(now, next)),
    };
  }
}
