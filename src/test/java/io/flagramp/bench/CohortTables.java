package io.flagramp.bench;

import io.flagramp.bench.CohortSimulation.Tally;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** {@link CohortJudgeBenchmark}'s results as Markdown tables in the README's layout, one row per scenario. */
final class CohortTables {

  private CohortTables() {}

  /** A scenario's first cells and what each method made of it, in the order of the table's methods. */
  record Row(List<String> scenario, List<Tally> byMethod) {}

  /**
   * Each method's reverted share, median intervals to revert and share passed at the soak's end, side by
   * side; {@code methods} names them in the order of each row's tallies.
   */
  static String sideBySide(List<String> scenarioColumns, List<String> methods, List<Row> rows) {
    List<String> columns = Stream.concat(scenarioColumns.stream(), Stream.of("rollouts")).collect(Collectors.toList());
    for (String method : methods) {
      columns.add(method + ": reverted");
      columns.add("median intervals to revert");
      columns.add("Pass at the end");
    }
    StringBuilder t = header(columns);
    for (Row row : rows) {
      List<String> cells = Stream.concat(row.scenario().stream(),
          Stream.of(String.valueOf(row.byMethod().get(0).rollouts))).collect(Collectors.toList());
      for (Tally tally : row.byMethod()) {
        cells.add(share(tally));
        cells.add(looks(tally.medianLooksToRevert()));
        cells.add(percent(tally.share(tally.passedAtEnd)));
      }
      row(t, cells);
    }
    return t.toString();
  }

  /** The reverted share with its binomial standard error: "4.1% ± 0.6". */
  static String share(Tally tally) {
    return percent(tally.revertedShare()) + " ± " + format("%.1f", tally.standardError() * 100);
  }

  static String percent(double share) {
    return format("%.1f%%", share * 100);
  }

  /** An error rate as on-call reads it: 0.20%, 0.010%. */
  static String rate(double rate) {
    return format(rate < 0.001 && rate > 0 ? "%.3f%%" : "%.2f%%", rate * 100);
  }

  private static String looks(double looks) {
    return Double.isNaN(looks) ? "—" : format("%.0f", looks);
  }

  private static StringBuilder header(List<String> columns) {
    StringBuilder t = new StringBuilder("| " + String.join(" | ", columns) + " |\n|");
    t.append("---|".repeat(columns.size())).append('\n');
    return t;
  }

  private static void row(StringBuilder t, List<String> cells) {
    t.append("| ").append(String.join(" | ", cells)).append(" |\n");
  }

  static String format(String pattern, Object... args) {
    return String.format(Locale.ROOT, pattern, args);
  }

  static List<String> cells(String... cells) {
    return Arrays.asList(cells);
  }
}
