package io.flagramp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flagramp.analysis.cohort.ContinuousCheck;
import io.flagramp.analysis.cohort.OnCallText;
import io.flagramp.api.v1alpha1.ActionRecord;
import io.flagramp.api.v1alpha1.AllowedWindow;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.BlockedWindow;
import io.flagramp.api.v1alpha1.CohortMetric;
import io.flagramp.api.v1alpha1.CohortStatus;
import io.flagramp.api.v1alpha1.Cohorts;
import io.flagramp.api.v1alpha1.DeployWindows;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.MetricResult;
import io.flagramp.api.v1alpha1.MetricStatus;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.RestartStatus;
import io.flagramp.api.v1alpha1.RestartTarget;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.api.v1alpha1.StepOutcome;
import io.flagramp.api.v1alpha1.Weekday;
import io.flagramp.core.Numbers;
import io.flagramp.core.Printable;
import io.flagramp.core.Schedule;
import io.flagramp.operator.Clients;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One ScalingChange as on-call reads it, from its spec and status alone: the phase, the weight as a
 * bar, each step (done, current, next, approval), the soak's countdown, each metric against its
 * bound (a cohort metric: flag-on against flag-off, their samples, the difference with its interval),
 * the restart targets, the windows and the last decision. A pure function of the object and the time, so that a test reads the same screen a person does. Fits {@code width} columns (80 by
 * default); plain ASCII unless the style colours it.
 *
 * <p>It shows the change's strings escaped ({@link Printable}): it renders a copy in which every string
 * is, so whichever field a line comes from, no control character of a user's reaches the terminal, and
 * the style's colours are the only escape sequences in the screen.
 */
final class StatusScreen {

  /** Label column: "Decision  ". */
  private static final int LABEL = 10;

  private final Instant now;
  private final ZoneId zone;
  private final Style style;
  private final int width;

  StatusScreen(Instant now, ZoneId zone, Style style, int width) {
    this.now = now;
    this.zone = zone;
    this.style = style;
    this.width = width;
  }

  String render(ScalingChange change) {
    // Unacted compares annotation values with status: on the object as it is (its lines come escaped).
    List<String> unacted = Unacted.of(change);
    ScalingChange sc = printable(change);
    List<String> out = new ArrayList<>();
    ScalingChangeSpec spec = sc.getSpec();
    ScalingChangeStatus s = sc.getStatus() == null ? new ScalingChangeStatus() : sc.getStatus();
    header(out, sc, s, unacted);
    if (spec == null || spec.getSteps() == null) {
      out.add("no spec");
      return join(out);
    }
    out.add("");
    weight(out, spec, s);
    out.add("");
    steps(out, sc, spec, s);
    if (spec.getAnalysis() != null) {
      out.add("");
      metrics(out, spec.getAnalysis(), s);
    }
    out.add("");
    if (!spec.targets().isEmpty()) {
      restart(out, spec.targets(), s.getRestart());
    }
    if (spec.getWindows() != null) {
      windows(out, spec.getWindows(), s);
    }
    labelled(out, "Decision", s.getLastDecision() == null ? "-" : s.getLastDecision());
    String todo = todo(sc, s);
    if (!todo.isEmpty()) {
      labelled(out, "Do", todo);
    }
    return join(out);
  }

  // ---- the parts ----

  private void header(List<String> out, ScalingChange sc, ScalingChangeStatus s, List<String> unacted) {
    String name = sc.getMetadata().getName();
    String left = name + "  namespace " + sc.getMetadata().getNamespace();
    String right = "attempt " + (s.getAttempt() == null ? 1 : s.getAttempt()) + "  " + Times.clock(now, zone) + " "
        + Times.zoneName(now, zone);
    int gap = Math.max(2, width - left.length() - right.length());
    out.add(style.bold(name) + left.substring(name.length()) + " ".repeat(gap) + right);

    Phase phase = s.getPhase();
    String phaseText = phase == null ? "(no status yet: is the operator running?)" : phase.name();
    String reason = s.getReason() == null ? "" : "  " + s.getReason();
    out.add(pad("Phase", LABEL) + style.phase(phase, phaseText) + reason);
    out.add(pad("Flag", LABEL) + flag(sc.getSpec(), s));
    if (phase != null && !unacted.isEmpty()) {
      List<String> lines = wrap("not yet acted on by the operator: " + String.join(", ", unacted), width - LABEL);
      for (int i = 0; i < lines.size(); i++) {
        out.add(pad(i == 0 ? "Note" : "", LABEL) + style.yellow(lines.get(i)));
      }
    }
  }

  private static String flag(ScalingChangeSpec spec, ScalingChangeStatus s) {
    if (spec == null || spec.getFlag() == null) {
      return "-";
    }
    String cm = spec.getFlag().getConfigMapName() + ": ";
    var flagd = spec.getFlag().getFlagd();
    if (flagd != null && s.getCurrentWeight() != null) {
      return cm + flagd.claimKey() + " " + flagd.on() + "=" + s.getCurrentWeight() + "%";
    }
    if (s.getCurrentWeight() != null) {
      String enabled = spec.getFlag().getEnabledKey() == null ? "" : " " + spec.getFlag().getEnabledKey() + "=true";
      return cm + spec.getFlag().getPercentageKey() + "=" + s.getCurrentWeight() + enabled;
    }
    if (s.getPhase() == Phase.RolledBack) {
      return cm + "original values restored";
    }
    return cm + "not written by this change";
  }

  private void weight(List<String> out, ScalingChangeSpec spec, ScalingChangeStatus s) {
    int weight = s.getCurrentWeight() == null ? 0 : s.getCurrentWeight();
    int bar = Math.max(10, width - LABEL - 22);
    int filled = (int) Math.round(bar * Math.min(100, weight) / 100.0);
    String progress = s.getProgress() == null ? "" : "  step " + s.getProgress();
    out.add(pad("Weight", LABEL) + "[" + style.green("#".repeat(filled)) + "-".repeat(bar - filled) + "] "
        + String.format("%4s", weight + "%") + progress);
  }

  private void steps(List<String> out, ScalingChange sc, ScalingChangeSpec spec, ScalingChangeStatus s) {
    List<Step> steps = spec.getSteps();
    Map<Integer, HistoryEntry> rows = attemptRows(s);
    Phase phase = s.getPhase();
    boolean ended = phase == null || phase.isTerminal() || phase == Phase.Invalid;
    int current = currentIndex(steps, s);
    out.add("  " + pad("", 2) + pad("STEP", 6) + pad("WEIGHT", 8) + pad("PAUSE", 7) + pad("STATE", 13) + "DETAIL");
    for (int i = 0; i < steps.size(); i++) {
      Step step = steps.get(i);
      HistoryEntry row = rows.get(step.getWeight());
      String[] state;
      boolean here = false;
      if (row != null && row.getOutcome() == StepOutcome.Running && i == current && !ended) {
        state = running(sc, s, step);
        here = phase != Phase.Baking && phase != Phase.Succeeded;
      } else if (row != null) {
        state = finished(row, s);
      } else if (i == current + 1 && !ended) {
        state = next(sc, s, step);
      } else {
        state = step.manual() ? new String[] {"", "approval: Manual"} : new String[] {"", ""};
      }
      String marker = here ? style.bold(">") + " " : "  ";
      String cells = pad((i + 1) + "/" + steps.size(), 6) + pad(String.format("%4s", step.getWeight() + "%"), 8)
          + pad(step.getPause() == null ? "-" : step.getPause(), 7);
      out.addAll(row(marker, cells, state));
    }
    if (spec.getBake() != null) {
      String[] state = phase == Phase.Baking ? new String[] {"baking", countdown(s.getNextStepAt())}
          : phase == Phase.Succeeded ? new String[] {"done", ""} : new String[] {"", ""};
      String marker = phase == Phase.Baking ? style.bold(">") + " " : "  ";
      out.addAll(row(marker, pad("bake", 14) + pad(spec.getBake(), 7), state));
    }
  }

  /** A step line, its detail wrapped under the detail column. */
  private List<String> row(String marker, String cells, String[] state) {
    List<String> lines = new ArrayList<>();
    int detailColumn = 2 + 2 + 21 + 13;
    List<String> detail = wrap(state[1], Math.max(20, width - detailColumn));
    String first = "  " + marker + cells + stateWord(state[0]) + (detail.isEmpty() ? "" : detail.get(0));
    lines.add(first.stripTrailing());
    for (int i = 1; i < detail.size(); i++) {
      lines.add(" ".repeat(detailColumn) + detail.get(i));
    }
    return lines;
  }

  private String stateWord(String word) {
    String padded = pad(word, 13);
    return switch (word) {
      case "passed", "done" -> style.green(padded);
      case "rolled back", "held" -> style.red(padded);
      case "approval", "paused" -> style.yellow(padded);
      case "soaking", "baking", "rolling out", "analysis" -> style.bold(padded);
      default -> padded;
    };
  }

  /** The step the flag is at: its soak, or what it waits for. */
  private String[] running(ScalingChange sc, ScalingChangeStatus s, Step step) {
    Phase phase = s.getPhase();
    Reason reason = s.getReason();
    String promoted = promotion(s.getPromotion(), step);
    if (phase == Phase.Paused) {
      return new String[] {"paused", "spec.suspend is true: nothing advances (measuring goes on)"};
    }
    if (phase == Phase.Held) {
      return new String[] {"held", "held: " + reason};
    }
    if (reason == Reason.RollingOut) {
      return new String[] {"rolling out", "restart targets roll out; the soak starts once they have"};
    }
    if (phase == Phase.AwaitingApproval) {
      return new String[] {"soaked", "the next step awaits approval" + promoted};
    }
    if (reason == Reason.AwaitingAnalysis) {
      return new String[] {"analysis", "soaked; waits for a passing analysis" + promoted};
    }
    if (reason == Reason.OutsideWindow) {
      return new String[] {"soaked", "the next step waits for a deploy window" + promoted};
    }
    Instant next = Times.parse(s.getNextStepAt());
    if (next != null && next.isAfter(now)) {
      return new String[] {"soaking", countdown(s.getNextStepAt()) + promoted};
    }
    return new String[] {"soaking", promoted.isEmpty() ? "" : promoted.substring(2)};
  }

  private String[] finished(HistoryEntry row, ScalingChangeStatus s) {
    Instant started = Times.parse(row.getStartedAt());
    Instant ended = Times.parse(row.getEndedAt());
    String span = started == null ? "" : Times.at(started, now, zone) + (ended == null ? ""
        : " - " + (sameDay(started, ended) ? Times.clockMinutes(ended, zone) : Times.at(ended, now, zone)));
    String approved = row.getApproval() == null ? "" : ", approved by " + row.getApproval().getBy();
    String promoted = row.getPromotion() == null ? "" : ", promoted by " + row.getPromotion().getBy();
    if (row.getOutcome() == StepOutcome.RolledBack) {
      return new String[] {"rolled back", (ended == null ? "" : "at " + Times.at(ended, now, zone)) + approved};
    }
    if (row.getOutcome() == StepOutcome.Running) {
      // Running in history, but the change has ended (Invalid, or an older status): what status says.
      return new String[] {s.getPhase() == Phase.Invalid ? "held" : "", span + approved};
    }
    return new String[] {"passed", span + approved + promoted};
  }

  /** The step after the current one (or the first, before the first). */
  private String[] next(ScalingChange sc, ScalingChangeStatus s, Step step) {
    String name = sc.getMetadata().getName();
    ActionRecord approval = s.getApproval();
    if (s.getPhase() == Phase.AwaitingApproval) {
      return new String[] {"approval", "awaits approval: kubectl flagramp approve " + name};
    }
    if (step.manual() && approval != null && Objects.equals(approval.getWeight(), step.getWeight())) {
      return new String[] {"approved", "by " + approval.getBy() + "; entered once its other gates pass"};
    }
    Instant due = Times.parse(s.getNextStepAt());
    if (s.getReason() == Reason.OutsideWindow && due != null) {
      return new String[] {"window", "waits for a deploy window: opens " + Times.at(due, now, zone)
          + (due.isAfter(now) ? " (in " + Times.left(Duration.between(now, due)) + ")" : "")};
    }
    if (step.manual()) {
      return new String[] {"approval", "asks for approval once the step before it passed"};
    }
    if (due != null && due.isAfter(now) && s.getPhase() == Phase.Progressing) {
      return new String[] {"next", "due " + Times.at(due, now, zone) + ", once the analysis passes"};
    }
    return new String[] {"next", ""};
  }

  private boolean sameDay(Instant a, Instant b) {
    return a.atZone(zone).toLocalDate().equals(b.atZone(zone).toLocalDate());
  }

  private static String promotion(ActionRecord promotion, Step step) {
    return promotion != null && Objects.equals(promotion.getWeight(), step.getWeight())
        ? "; promoted by " + promotion.getBy() : "";
  }

  private String countdown(String until) {
    Instant t = Times.parse(until);
    if (t == null) {
      return "";
    }
    return Times.left(Duration.between(now, t)) + " left, until " + Times.at(t, now, zone);
  }

  private void metrics(List<String> out, Analysis analysis, ScalingChangeStatus s) {
    Map<String, MetricStatus> measured = new LinkedHashMap<>();
    if (s.getMetrics() != null) {
      s.getMetrics().forEach(m -> measured.put(m.getName(), m));
    }
    int errorLimit = analysis.getOnProviderError() == null
        || analysis.getOnProviderError().getConsecutiveErrorLimit() == null ? 5
        : analysis.getOnProviderError().getConsecutiveErrorLimit();
    out.add("  " + pad("METRIC", 16) + pad("VALUE", 10) + pad("BOUND", 28) + "RESULT");
    Instant last = null;
    List<MetricCheck> checks = analysis.getMetrics() == null ? List.of() : analysis.getMetrics();
    for (MetricCheck check : checks) {
      MetricStatus m = measured.get(check.getName());
      if (check.getCohort() != null) {
        cohortRow(out, check.getName(), check.getCohort(), analysis.cohortsOrDefault(), m, errorLimit);
      } else {
        String baseline = s.getBaseline() == null ? null : s.getBaseline().get(check.getName());
        metricRow(out, check.getName(), m == null ? null : m.getValue(), bound(check, baseline), m,
            check.failureLimitOrDefault(), errorLimit, List.of());
      }
      last = latest(last, m);
    }
    if (analysis.getMinSamples() != null) {
      MetricStatus m = measured.get("minSamples");
      metricRow(out, "minSamples", m == null ? null : m.getValue(),
          "min " + Numbers.format(analysis.getMinSamples().getMin()), m, 0, errorLimit, List.of());
      last = latest(last, m);
    }
    String every = "every " + (analysis.getInterval() == null ? "1m" : analysis.getInterval());
    out.add("  " + every + (last == null ? "; not measured yet"
        : "; last measured " + Times.clock(last, zone) + " (" + Times.left(Duration.between(last, now)) + " ago)"));
  }

  /**
   * A metric's row, then {@code numbers} (a cohort metric's comparison), then why it does not pass when
   * the numbers do not already say it.
   */
  private void metricRow(List<String> out, String name, String shown, String bound, MetricStatus m,
      int failureLimit, int errorLimit, List<String> numbers) {
    MetricResult result = m == null ? null : m.getResult();
    String value = shown == null ? "-" : shown;
    String verdict = result == null ? "-" : switch (result) {
      case Pass -> "Pass";
      case Fail -> failureLimit > 0 ? "Fail " + m.getConsecutiveFailures() + "/" + failureLimit : "Fail";
      case Error -> "Error " + m.getConsecutiveErrors() + "/" + errorLimit;
      case NoData -> "NoData";
      case Undecided -> "Undecided";
    };
    out.add(("  " + pad(cut(name, 15), 16) + pad(cut(value, 9), 10) + pad(cut(bound, 27), 28)
        + style.result(result, verdict)).stripTrailing());
    for (String line : numbers) {
      wrap(line, width - 4).forEach(l -> out.add("    " + l));
    }
    // A verdict the numbers show needs no second line; a failed query or missing data does.
    boolean explained = !numbers.isEmpty() && result != MetricResult.Error && result != MetricResult.NoData;
    if (result != null && result != MetricResult.Pass && !explained && m.getMessage() != null) {
      for (String line : wrap(m.getMessage(), width - 4)) {
        out.add("    " + style.dim(line));
      }
    }
  }

  /**
   * A cohort metric: flag-on's value against the allowance over flag-off, then each cohort's value and
   * samples, and the difference with its interval. A rate reads in percent and points, as the revert's
   * message does; a continuous value in its unit, its difference relative.
   */
  private void cohortRow(List<String> out, String name, CohortMetric metric, Cohorts cohorts, MetricStatus m,
      int errorLimit) {
    CohortStatus c = m == null ? null : m.getCohort();
    boolean rate = metric.isRate();
    String allowance = metric.getMaxIncrease() == null ? "0" : metric.getMaxIncrease();
    String bound = "flag-off " + (allowance.endsWith("%") ? "+" + allowance
        : OnCallText.points(Double.parseDouble(allowance), decimals(allowance)) + " points");
    List<String> numbers = new ArrayList<>();
    String shown = null;
    if (c != null && (c.getOn() != null || c.getOff() != null)) {
      double on = number(c.getOn());
      double off = number(c.getOff());
      int decimals = OnCallText.percentDecimals(finite(on), finite(off));
      shown = rate ? cohortValue(on, decimals, true) : c.getOn();
      String unit = rate ? " requests" : " values";
      String minimum = rate ? OnCallText.count(cohorts.minSamplesOrDefault())
          : Integer.toString(Math.max(ContinuousCheck.FEWEST_VALUES, cohorts.minValuesOrDefault()));
      String median = rate ? "" : "median ";
      numbers.add("flag-on " + median + cohortValue(on, decimals, rate) + " of " + samples(c.getOnSamples()) + unit
          + ", flag-off " + cohortValue(off, decimals, rate) + " of " + samples(c.getOffSamples())
          + " (min " + minimum + " each)");
      if (c.getDifference() != null) {
        String confidence = OnCallText.confidence(cohorts.confidenceOrDefault());
        String[] ends = c.getInterval() == null ? null : c.getInterval().split("\\.\\.", 2);
        String interval = ends == null || ends.length < 2 ? "not bounded yet"
            : difference(ends[0], decimals, rate) + ".." + difference(ends[1], decimals, rate);
        numbers.add((rate ? "difference " + difference(c.getDifference(), decimals, true) + " points"
            : "change " + c.getDifference()) + ", " + confidence + " interval " + interval + "; allowed "
            + (c.getAllowed() == null ? "-" : difference(c.getAllowed(), decimals, rate)));
      }
    }
    metricRow(out, name, shown, bound, m, 0, errorLimit, numbers);
  }

  /** Decimals that show an absolute allowance in points whole: 0.005 as +0.50, 0.0001 as +0.010. */
  private static int decimals(String allowance) {
    return OnCallText.percentDecimals(Double.parseDouble(allowance));
  }

  private static double number(String kept) {
    try {
      return kept == null ? Double.NaN : Double.parseDouble(kept);
    } catch (NumberFormatException e) {
      return Double.NaN;  // status edited by hand: shown as unknown, not a crash
    }
  }

  private static double finite(double v) {
    return Double.isFinite(v) ? v : 0;
  }

  private static String cohortValue(double v, int decimals, boolean rate) {
    return !Double.isFinite(v) ? "-" : rate ? OnCallText.percent(v, decimals) : Numbers.format(v);
  }

  private static String samples(Long count) {
    return count == null ? "0" : OnCallText.count(count);
  }

  /** A rate's difference (a proportion, "+0.198") in points; a continuous one as kept ("+50%"). */
  private static String difference(String kept, int decimals, boolean rate) {
    double v = number(kept);
    return !rate ? kept : Double.isFinite(v) ? OnCallText.points(v, decimals) : kept;
  }

  /** "max 0.01", "min 0.9, max 1", "max 0.5, +50% of 0.2" (the baseline, once measured). */
  private static String bound(MetricCheck check, String baseline) {
    List<String> parts = new ArrayList<>();
    if (check.getMin() != null) {
      parts.add("min " + Numbers.format(check.getMin()));
    }
    if (check.getMax() != null) {
      parts.add("max " + Numbers.format(check.getMax()));
    }
    if (check.getMaxIncrease() != null) {
      parts.add("+" + check.getMaxIncrease() + " of " + (baseline == null ? "baseline" : baseline));
    }
    return String.join(", ", parts);
  }

  private static Instant latest(Instant last, MetricStatus m) {
    Instant t = m == null ? null : Times.parse(m.getMeasuredAt());
    return t == null || (last != null && last.isAfter(t)) ? last : t;
  }

  private void restart(List<String> out, List<RestartTarget> targets, RestartStatus restart) {
    Map<String, String> progress = new LinkedHashMap<>();
    Instant requested = restart == null ? null : Times.parse(restart.getRequestedAt());
    String none = requested == null ? "not restarted by this change yet"
        : (restart.made() ? "restarted at " : "restart requested at ") + Times.at(requested, now, zone);
    targets.forEach(t -> progress.put(t.getKind() + "/" + t.getName(), none));
    if (restart != null && restart.getTargets() != null) {
      restart.getTargets().forEach(t -> progress.put(t.getKind() + "/" + t.getName(), t.getMessage()));
    }
    String label = "Restart";
    for (Map.Entry<String, String> e : progress.entrySet()) {
      labelled(out, label, e.getKey() + ": " + e.getValue());
      label = "";
    }
    Instant ready = restart == null ? null : Times.parse(restart.getReadyAt());
    if (ready != null) {
      labelled(out, "", "all rolled out at " + Times.at(ready, now, zone) + (restart.getWeight() == null ? ""
          : " (weight " + restart.getWeight() + ")"));
    }
  }

  private void windows(List<String> out, DeployWindows windows, ScalingChangeStatus s) {
    List<String> ranges = new ArrayList<>();
    for (AllowedWindow w : windows.getAllowed() == null ? List.<AllowedWindow>of() : windows.getAllowed()) {
      String days = w.getDays() == null || w.getDays().isEmpty() ? "every day"
          : w.getDays().stream().map(Weekday::name).collect(Collectors.joining(","));
      ranges.add(days + " " + w.getFrom() + "-" + w.getTo());
    }
    if (ranges.isEmpty()) {
      ranges.add("any time");
    }
    ranges.set(ranges.size() - 1, ranges.get(ranges.size() - 1) + " " + windows.getTimeZone());
    for (BlockedWindow b : windows.getBlocked() == null ? List.<BlockedWindow>of() : windows.getBlocked()) {
      ranges.add("blocked " + b.getFrom() + " to " + b.getTo() + (b.getReason() == null ? "" : " (" + b.getReason() + ")"));
    }
    labelled(out, "Windows", String.join("; ", ranges));
    Instant opening = Times.parse(s.getNextStepAt());
    if (s.getReason() == Reason.OutsideWindow && opening != null) {
      labelled(out, "", "next opening " + Times.full(opening, ZoneId.of(windows.getTimeZone()))
          + (opening.isAfter(now) ? " (in " + Times.left(Duration.between(now, opening)) + ")" : ""));
    }
  }

  /** What a person can do now, when something waits for one. */
  private static String todo(ScalingChange sc, ScalingChangeStatus s) {
    String name = sc.getMetadata().getName();
    if (s.getPhase() == null) {
      return "";
    }
    return switch (s.getPhase()) {
      case AwaitingApproval -> "kubectl flagramp approve " + name + "   (or: kubectl flagramp abort " + name
          + " \"why\")";
      case Held -> "fix the cause (see the decision), or restore the original values: kubectl flagramp abort "
          + name + " \"why\"";
      case RolledBack -> "fix the cause, then: kubectl flagramp retry " + name;
      case Paused -> "kubectl flagramp resume " + name;
      case Invalid -> "fix the spec (the decision names the field)";
      case Pending, Progressing, Baking, Succeeded -> "";
    };
  }

  /** A copy of {@code sc} with every string escaped, the keys of its maps too. */
  static ScalingChange printable(ScalingChange sc) {
    KubernetesSerialization json = Clients.serialization();
    return json.convertValue(printable(json.convertValue(sc, JsonNode.class)), ScalingChange.class);
  }

  private static JsonNode printable(JsonNode node) {
    if (node.isTextual()) {
      return TextNode.valueOf(Printable.escape(node.textValue()));
    }
    if (node.isArray()) {
      ArrayNode array = JsonNodeFactory.instance.arrayNode(node.size());
      node.forEach(element -> array.add(printable(element)));
      return array;
    }
    if (node.isObject()) {
      ObjectNode object = JsonNodeFactory.instance.objectNode();
      node.properties().forEach(f -> object.set(Printable.escape(f.getKey()), printable(f.getValue())));
      return object;
    }
    return node;
  }

  // ---- layout ----

  private void labelled(List<String> out, String label, String text) {
    List<String> lines = wrap(text, width - LABEL);
    for (int i = 0; i < lines.size(); i++) {
      out.add((pad(i == 0 ? label : "", LABEL) + lines.get(i)).stripTrailing());
    }
  }

  /** The steps' rows of the current attempt, the latest for each weight. */
  private static Map<Integer, HistoryEntry> attemptRows(ScalingChangeStatus s) {
    Map<Integer, HistoryEntry> rows = new LinkedHashMap<>();
    if (s.getHistory() == null) {
      return rows;
    }
    int attempt = s.getAttempt() == null ? 1 : s.getAttempt();
    for (HistoryEntry h : s.getHistory()) {
      int a = h.getAttempt() == null ? 1 : h.getAttempt();
      if (a == attempt && h.getWeight() != null) {
        rows.put(h.getWeight(), h);
      }
    }
    return rows;
  }

  /** Index of the last step at or below the written weight; -1 before the first (and after a revert). */
  private static int currentIndex(List<Step> steps, ScalingChangeStatus s) {
    return new Schedule(steps).indexOf(s.getCurrentWeight());
  }

  static String pad(String s, int width) {
    return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
  }

  private static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "~";
  }

  /** Words into lines of at most {@code max} characters; a word longer than a line is cut. */
  static List<String> wrap(String text, int max) {
    List<String> lines = new ArrayList<>();
    if (text == null || text.isEmpty()) {
      return lines;
    }
    StringBuilder line = new StringBuilder();
    for (String word : text.replace('\n', ' ').split(" +")) {
      while (word.length() > max) {
        if (line.length() > 0) {
          lines.add(line.toString());
          line.setLength(0);
        }
        lines.add(word.substring(0, max));
        word = word.substring(max);
      }
      if (line.length() > 0 && line.length() + 1 + word.length() > max) {
        lines.add(line.toString());
        line.setLength(0);
      }
      if (line.length() > 0) {
        line.append(' ');
      }
      line.append(word);
    }
    if (line.length() > 0) {
      lines.add(line.toString());
    }
    return lines;
  }

  private static String join(List<String> lines) {
    return String.join("\n", lines) + "\n";
  }
}
