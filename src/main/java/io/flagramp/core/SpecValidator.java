package io.flagramp.core;

import io.flagramp.api.v1alpha1.AllowedWindow;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.BlockedWindow;
import io.flagramp.api.v1alpha1.CohortMetric;
import io.flagramp.api.v1alpha1.Cohorts;
import io.flagramp.api.v1alpha1.DeployWindows;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.RestartTarget;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.api.v1alpha1.Text;
import java.time.DateTimeException;
import io.flagramp.api.v1alpha1.WebhookReceiver;
import io.flagramp.api.v1alpha1.WebhookSecretReference;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks what the CRD schema checks again, plus what it cannot say (a duration too large to
 * represent). The schema rejects almost every bad spec at the API server; this is the second line,
 * so that an object that got past it (an older CRD, a schema change) is marked Invalid instead of
 * breaking the operator.
 */
public final class SpecValidator {

  private static final Pattern NAME = Pattern.compile(FlagTarget.NAME_PATTERN);
  private static final Pattern KEY = Pattern.compile(FlagTarget.KEY_PATTERN);
  private static final Pattern INCREASE = Pattern.compile(MetricCheck.INCREASE_PATTERN);
  private static final Pattern FROM = Pattern.compile(AllowedWindow.FROM_PATTERN);
  private static final Pattern TO = Pattern.compile(AllowedWindow.TO_PATTERN);
  private static final Pattern BLOCKED = Pattern.compile(BlockedWindow.PATTERN);
  private static final Pattern RECEIVER = Pattern.compile(WebhookReceiver.NAME_PATTERN);

  private SpecValidator() {}

  /** The first problem found, in field order, for an operator without a default Prometheus or an allowlist. */
  public static Optional<SpecProblem> validate(ScalingChangeSpec spec) {
    return validate(spec, false, AddressAllowlist.any());
  }

  /** The first problem found, in field order, for the operator's settings. */
  public static Optional<SpecProblem> validate(ScalingChangeSpec spec, PlannerSettings settings) {
    return validate(spec, settings.defaultPrometheus().isPresent(), settings.allowlist());
  }

  /** The first problem found, in field order. */
  public static Optional<SpecProblem> validate(ScalingChangeSpec spec, boolean defaultPrometheus,
      AddressAllowlist allowlist) {
    if (spec == null) {
      return problem("spec", "is required");
    }
    if (!spec.unreadable().isEmpty()) {
      String first = spec.unreadable().get(0);
      int colon = first.indexOf(": ");
      return problem(first.substring(0, colon), first.substring(colon + 2));
    }
    FlagTarget flag = spec.getFlag();
    if (flag == null) {
      return problem("spec.flag", "is required");
    }
    if (flag.getConfigMapName() == null || !NAME.matcher(flag.getConfigMapName()).matches()
        || flag.getConfigMapName().length() > 253) {
      return problem("spec.flag.configMapName", quote(flag.getConfigMapName()) + " is not a valid ConfigMap name");
    }
    if (flag.getFlagd() != null) {
      return flagd(flag).or(() -> rest(spec, defaultPrometheus, allowlist));
    }
    if (!isKey(flag.getPercentageKey())) {
      return problem("spec.flag.percentageKey", flag.getPercentageKey() == null
          ? "is required (or spec.flag.flagd)" : quote(flag.getPercentageKey()) + " is not a valid ConfigMap key");
    }
    if (flag.getEnabledKey() != null) {
      if (!isKey(flag.getEnabledKey())) {
        return problem("spec.flag.enabledKey", quote(flag.getEnabledKey()) + " is not a valid ConfigMap key");
      }
      if (flag.getEnabledKey().equals(flag.getPercentageKey())) {
        return problem("spec.flag.enabledKey", "must differ from spec.flag.percentageKey");
      }
    }
    return rest(spec, defaultPrometheus, allowlist);
  }

  /** A flagd flag's fields: where the document is, which flag, which variants. */
  private static Optional<SpecProblem> flagd(FlagTarget flag) {
    io.flagramp.api.v1alpha1.FlagdFlag f = flag.getFlagd();
    if (flag.getPercentageKey() != null) {
      return problem("spec.flag.flagd", "goes instead of spec.flag.percentageKey, not with it");
    }
    if (flag.getEnabledKey() != null) {
      return problem("spec.flag.enabledKey", "goes with spec.flag.percentageKey; a flagd flag has none");
    }
    if (!isKey(f.getKey())) {
      return problem("spec.flag.flagd.key", f.getKey() == null ? "is required"
          : quote(f.getKey()) + " is not a valid ConfigMap key");
    }
    if (f.getFlag() == null || f.getFlag().isEmpty() || f.getFlag().length() > 253) {
      return problem("spec.flag.flagd.flag", f.getFlag() == null ? "is required" : "must be 1..253 characters");
    }
    for (String[] variant : new String[][] {{"onVariant", f.getOnVariant()}, {"offVariant", f.getOffVariant()}}) {
      if (variant[1] != null && (variant[1].isEmpty() || variant[1].length() > 253)) {
        return problem("spec.flag.flagd." + variant[0], "must be 1..253 characters");
      }
    }
    if (f.on().equals(f.off())) {
      return problem("spec.flag.flagd.offVariant", "must differ from onVariant (both " + quote(f.on()) + ")");
    }
    return Optional.empty();
  }

  /** Everything after spec.flag. */
  private static Optional<SpecProblem> rest(ScalingChangeSpec spec, boolean defaultPrometheus,
      AddressAllowlist allowlist) {
    List<Step> steps = spec.getSteps();
    if (steps == null || steps.isEmpty()) {
      return problem("spec.steps", "needs at least one step");
    }
    if (steps.size() > ScalingChangeSpec.MAX_STEPS) {
      return problem("spec.steps", "has " + steps.size() + " steps; at most " + ScalingChangeSpec.MAX_STEPS);
    }
    int previous = 0;
    for (int i = 0; i < steps.size(); i++) {
      Step step = steps.get(i);
      String field = "spec.steps[" + i + "]";
      if (step == null || step.getWeight() == null) {
        return problem(field + ".weight", "is required");
      }
      int weight = step.getWeight();
      if (weight < 1 || weight > 100) {
        return problem(field + ".weight", weight + " is outside 1..100");
      }
      if (weight <= previous) {
        return problem(field + ".weight", weight + " must be greater than the previous step's " + previous);
      }
      previous = weight;
      Optional<SpecProblem> pause = duration(field + ".pause", step.getPause());
      if (pause.isPresent()) {
        return pause;
      }
    }
    Optional<SpecProblem> bake = duration("spec.bake", spec.getBake());
    if (bake.isPresent()) {
      return bake;
    }
    Optional<SpecProblem> windows = windows(spec.getWindows());
    if (windows.isPresent()) {
      return windows;
    }
    Optional<SpecProblem> targets = restartTargets(spec);
    if (targets.isPresent()) {
      return targets;
    }
    Optional<SpecProblem> analysis = spec.getAnalysis() == null ? Optional.empty()
        : analysis(spec.getAnalysis(), defaultPrometheus, allowlist);
    return analysis.isPresent() ? analysis : receivers(spec.getNotify());
  }

  /** The first problem of {@code spec.notify}: a receiver list that has one is not used at all. */
  public static Optional<SpecProblem> receivers(List<WebhookReceiver> receivers) {
    if (receivers == null) {
      return Optional.empty();
    }
    if (receivers.size() > ScalingChangeSpec.MAX_RECEIVERS) {
      return problem("spec.notify", "has " + receivers.size() + " receivers; at most " + ScalingChangeSpec.MAX_RECEIVERS);
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < receivers.size(); i++) {
      WebhookReceiver r = receivers.get(i);
      String field = "spec.notify[" + i + "]";
      if (r == null) {
        return problem(field, "is empty");
      }
      if (r.getName() == null || r.getName().length() > WebhookReceiver.MAX_NAME || !RECEIVER.matcher(r.getName()).matches()) {
        return problem(field + ".name", quote(r.getName()) + " is not a receiver name (lower-case letters, digits"
            + " and '-', at most " + WebhookReceiver.MAX_NAME + ")");
      }
      if (!names.add(r.getName())) {
        return problem(field + ".name", quote(r.getName()) + " is used twice");
      }
      WebhookSecretReference secret = r.getSecretRef();
      if (secret == null) {
        return problem(field + ".secretRef", "is required");
      }
      if (secret.getName() == null || secret.getName().length() > 253 || !NAME.matcher(secret.getName()).matches()) {
        return problem(field + ".secretRef.name", quote(secret.getName()) + " is not a valid Secret name");
      }
      if (secret.getKey() != null && !isKey(secret.getKey())) {
        return problem(field + ".secretRef.key", quote(secret.getKey()) + " is not a valid Secret key");
      }
      if (r.getEvents() != null && (r.getEvents().isEmpty() || r.getEvents().contains(null))) {
        return problem(field + ".events", "lists no event or an empty one; leave it out for all events");
      }
    }
    return Optional.empty();
  }

  private static Optional<SpecProblem> analysis(Analysis analysis, boolean defaultPrometheus,
      AddressAllowlist allowlist) {
    PrometheusSource source = analysis.getPrometheus();
    if ((source == null || source.getAddress() == null) && !defaultPrometheus) {
      return problem("spec.analysis.prometheus.address", "is not set, and the operator has no default"
          + " (FLAGRAMP_PROMETHEUS_ADDRESS)");
    }
    if (source != null && source.getAddress() != null) {
      Optional<SpecProblem> address = address(source.getAddress(), allowlist);
      if (address.isPresent()) {
        return address;
      }
    }
    Optional<SpecProblem> interval = within("spec.analysis.interval", analysis.getInterval(),
        Durations.parse(Analysis.MIN_INTERVAL), Durations.parse(Analysis.MAX_INTERVAL));
    if (interval.isPresent()) {
      return interval;
    }
    if (source != null && source.getTimeout() != null) {
      Duration every = analysis.getInterval() == null ? Duration.ofMinutes(1) : Durations.parse(analysis.getInterval());
      Duration max = Durations.min(Durations.parse(PrometheusSource.MAX_TIMEOUT), every);
      Optional<SpecProblem> timeout = within("spec.analysis.prometheus.timeout", source.getTimeout(), Duration.ofMillis(1),
          max);
      if (timeout.isPresent()) {
        return timeout;
      }
    }
    if (analysis.getBaseline() != null) {
      Optional<SpecProblem> window = duration("spec.analysis.baseline.window", analysis.getBaseline().getWindow());
      if (window.isPresent()) {
        return window;
      }
    }
    Integer errorLimit = analysis.getOnProviderError() == null ? null
        : analysis.getOnProviderError().getConsecutiveErrorLimit();
    if (errorLimit != null && (errorLimit < 1 || errorLimit > MetricCheck.MAX_LIMIT)) {
      return problem("spec.analysis.onProviderError.consecutiveErrorLimit", errorLimit + " is outside 1.."
          + MetricCheck.MAX_LIMIT);
    }
    List<MetricCheck> metrics = analysis.getMetrics();
    if (metrics == null || metrics.isEmpty()) {
      return problem("spec.analysis.metrics", "needs at least one metric");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < metrics.size(); i++) {
      MetricCheck m = metrics.get(i);
      String field = "spec.analysis.metrics[" + i + "]";
      if (m.getName() == null || !names.add(m.getName())) {
        return problem(field + ".name", quote(m.getName()) + " is missing or used twice");
      }
      if (m.getCohort() != null) {
        if (m.getQuery() != null || m.getMin() != null || m.getMax() != null || m.getMaxIncrease() != null) {
          return problem(field + ".cohort", "a cohort metric has no query, min, max or maxIncrease of its own:"
              + " its allowance is cohort.maxIncrease");
        }
        Optional<SpecProblem> cohort = cohort(m.getCohort(), field + ".cohort");
        if (cohort.isPresent()) {
          return cohort;
        }
        continue;
      }
      if (m.getQuery() == null || m.getQuery().isBlank()) {
        return problem(field + ".query", "is required (or a cohort)");
      }
      if (m.getMin() == null && m.getMax() == null && m.getMaxIncrease() == null) {
        return problem(field, "needs at least one of min, max or maxIncrease");
      }
      if (m.getMaxIncrease() != null && !INCREASE.matcher(m.getMaxIncrease()).matches()) {
        return problem(field + ".maxIncrease", quote(m.getMaxIncrease()) + " is neither \"50%\" nor \"0.002\"");
      }
      if (m.getFailureLimit() != null && (m.getFailureLimit() < 1 || m.getFailureLimit() > MetricCheck.MAX_LIMIT)) {
        return problem(field + ".failureLimit", m.getFailureLimit() + " is outside 1.." + MetricCheck.MAX_LIMIT);
      }
      if (m.getMaxIncrease() != null && analysis.getBaseline() == null) {
        return problem("spec.analysis.baseline", "is required, since " + field + " sets maxIncrease");
      }
    }
    return cohorts(analysis.getCohorts());
  }

  /** The cohorts' settings: two different label values, a confidence and an extension the judge can use. */
  private static Optional<SpecProblem> cohorts(Cohorts c) {
    if (c == null) {
      return Optional.empty();
    }
    if (c.onOrDefault().equals(c.offOrDefault())) {
      return problem("spec.analysis.cohorts.flagOff", "is the same label value as flagOn, " + quote(c.onOrDefault())
          + ": the cohorts could not be told apart");
    }
    if (c.getConfidence() != null && !(c.getConfidence() >= 0.8 && c.getConfidence() <= 0.999)) {
      return problem("spec.analysis.cohorts.confidence", c.getConfidence() + " is outside 0.8..0.999");
    }
    if (c.getUndecided() != null && c.getUndecided().getExtendBy() != null) {
      try {
        Durations.parse(c.getUndecided().getExtendBy());
      } catch (RuntimeException e) {
        return problem("spec.analysis.cohorts.undecided.extendBy", quote(c.getUndecided().getExtendBy())
            + " is not a duration such as 30m");
      }
    }
    return Optional.empty();
  }

  /**
   * A cohort metric the judge can ask and compare: each query names the cohort ($cohort), a rate's
   * counts run from the step's start ($range), and the allowance is one the kind can use.
   */
  private static Optional<SpecProblem> cohort(CohortMetric c, String field) {
    Map<String, String> queries = new LinkedHashMap<>();
    if (c.getErrors() != null || c.getRequests() != null) {
      if (c.getErrors() == null || c.getRequests() == null || c.getValue() != null) {
        return problem(field, "a rate needs errors and requests, a continuous metric value, not both");
      }
      queries.put(field + ".errors", c.getErrors());
      queries.put(field + ".requests", c.getRequests());
    } else if (c.getValue() != null) {
      queries.put(field + ".value", c.getValue());
    } else {
      return problem(field, "needs errors and requests (a rate) or value (a continuous metric)");
    }
    for (Map.Entry<String, String> q : queries.entrySet()) {
      if (q.getValue().isBlank() || !q.getValue().contains("$cohort")) {
        return problem(q.getKey(), "must contain $cohort, which stands for each cohort's label matcher");
      }
      if (c.isRate() && !q.getValue().contains("$range")) {
        return problem(q.getKey(), "must count since the step began: use $range as the range, as in"
            + " increase(http_requests_total{$cohort}[$range])");
      }
    }
    String allowance = c.getMaxIncrease();
    if (allowance == null || allowance.isBlank()) {
      return problem(field + ".maxIncrease", "is required: how much worse flag-on may be (\"0.001\", \"20%\");"
          + " with none, no amount of data shows a flag no worse, and no step passes");
    }
    if (!INCREASE.matcher(allowance).matches()) {
      return problem(field + ".maxIncrease", quote(allowance) + " is neither \"50%\" nor \"0.001\"");
    }
    if (Double.parseDouble(allowance.replace("%", "")) <= 0) {
      return problem(field + ".maxIncrease", quote(allowance) + " allows nothing: with no allowance no amount of"
          + " data shows a flag no worse, and no step passes");
    }
    if (!c.isRate() && !allowance.endsWith("%")) {
      return problem(field + ".maxIncrease", quote(allowance) + ": a continuous metric's allowance is relative"
          + " to flag-off, such as \"20%\"");
    }
    if (c.isRate() && !allowance.endsWith("%") && Double.parseDouble(allowance) >= 1) {
      return problem(field + ".maxIncrease", quote(allowance) + " is a rate of 1 or more; 0.001 is 0.1 points");
    }
    return Optional.empty();
  }

  /** An address the operator can read, in the form it would send, and one the allowlist allows. */
  private static Optional<SpecProblem> address(String address, AddressAllowlist allowlist) {
    String field = "spec.analysis.prometheus.address";
    String quoted = quote(Text.cap(address, 200));
    HttpAddress canonical;
    try {
      canonical = HttpAddress.base(address);
    } catch (IllegalArgumentException e) {
      return problem(field, quoted + " is not an address the operator can query: " + e.getMessage());
    }
    Optional<AddressAllowlist.Refusal> refusal = allowlist.refusal(canonical);
    if (refusal.isEmpty()) {
      return Optional.empty();
    }
    String how = " (FLAGRAMP_PROMETHEUS_ALLOWLIST: " + allowlist + "); leave it out to use the operator's default,"
        + " or ask the operator's administrators to add it to FLAGRAMP_PROMETHEUS_ALLOWLIST (Helm value"
        + " prometheus.allowlist)";
    return problem(field, quoted + " is not among the addresses the operator may query" + switch (refusal.get()) {
      case NOT_LISTED -> "";
      case LOCAL -> ", and is a loopback or link-local address, which only an entry naming that host itself allows";
    } + how);
  }

  private static Optional<SpecProblem> restartTargets(ScalingChangeSpec spec) {
    List<RestartTarget> targets = spec.targets();
    if (targets.size() > 16) {
      return problem("spec.restartTargets", "has " + targets.size() + " workloads; at most 16");
    }
    Set<RestartTarget> seen = new HashSet<>();
    for (int i = 0; i < targets.size(); i++) {
      RestartTarget t = targets.get(i);
      String field = "spec.restartTargets[" + i + "]";
      if (t == null || t.getKind() == null) {
        return problem(field + ".kind", "is required: Deployment, StatefulSet or DaemonSet");
      }
      if (t.getName() == null || t.getName().length() > 253 || !NAME.matcher(t.getName()).matches()) {
        return problem(field + ".name", quote(t.getName()) + " is not a valid " + t.getKind() + " name");
      }
      if (!seen.add(t)) {
        return problem(field, t.describe() + " is listed twice");
      }
    }
    return within("spec.restartTimeout", spec.getRestartTimeout(), Duration.ofSeconds(1), Duration.ofHours(24));
  }

  private static Optional<SpecProblem> windows(DeployWindows windows) {
    if (windows == null) {
      return Optional.empty();
    }
    if (windows.getTimeZone() == null) {
      return problem("spec.windows.timeZone", "is required");
    }
    ZoneId zone;
    try {
      zone = ZoneId.of(windows.getTimeZone());
    } catch (DateTimeException e) {
      return problem("spec.windows.timeZone", quote(Text.cap(windows.getTimeZone(), 64)) + " is not an IANA time"
          + " zone (such as Europe/Berlin or UTC)");
    }
    List<AllowedWindow> allowed = windows.getAllowed() == null ? List.of() : windows.getAllowed();
    for (int i = 0; i < allowed.size(); i++) {
      AllowedWindow w = allowed.get(i);
      String field = "spec.windows.allowed[" + i + "]";
      if (w == null || w.getFrom() == null || !FROM.matcher(w.getFrom()).matches()) {
        return problem(field + ".from", quote(w == null ? null : w.getFrom()) + " is not a time HH:MM (00:00..23:59)");
      }
      if (w.getTo() == null || !TO.matcher(w.getTo()).matches()) {
        return problem(field + ".to", quote(w.getTo()) + " is not a time HH:MM (00:00..24:00)");
      }
      if (w.getFrom().equals(w.getTo())) {
        return problem(field, "from and to are both " + w.getFrom() + ": the range is empty");
      }
      if (w.getDays() != null && (w.getDays().contains(null) || w.getDays().stream().distinct().count()
          != w.getDays().size())) {
        return problem(field + ".days", "names a day twice or one that is not Mon..Sun");
      }
    }
    List<BlockedWindow> blocked = windows.getBlocked() == null ? List.of() : windows.getBlocked();
    for (int i = 0; i < blocked.size(); i++) {
      BlockedWindow b = blocked.get(i);
      String field = "spec.windows.blocked[" + i + "]";
      try {
        if (b == null || b.getFrom() == null || !BLOCKED.matcher(b.getFrom()).matches()) {
          return problem(field + ".from", quote(b == null ? null : b.getFrom()) + " is neither a date (2026-12-21)"
              + " nor a date and time (2026-12-21T18:00)");
        }
        if (b.getTo() == null || !BLOCKED.matcher(b.getTo()).matches()) {
          return problem(field + ".to", quote(b.getTo()) + " is neither a date (2027-01-04) nor a date and time");
        }
        if (!WindowCalendar.local(b.getTo(), true, zone).isAfter(WindowCalendar.local(b.getFrom(), false, zone))) {
          return problem(field + ".to", quote(b.getTo()) + " is not after from " + quote(b.getFrom()));
        }
      } catch (DateTimeException e) {
        return problem(field, "is not a real date or time: " + e.getMessage());
      }
    }
    return Optional.empty();
  }

  private static Optional<SpecProblem> duration(String field, String value) {
    if (value == null) {
      return Optional.empty();
    }
    try {
      Durations.parse(value);
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return problem(field, e.getMessage());
    }
  }

  /** A duration that parses and lies in [min, max]. */
  private static Optional<SpecProblem> within(String field, String value, Duration min, Duration max) {
    Optional<SpecProblem> parsed = duration(field, value);
    if (parsed.isPresent() || value == null) {
      return parsed;
    }
    Duration d = Durations.parse(value);
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      return problem(field, quote(value) + " is outside " + Durations.format(min) + ".." + Durations.format(max));
    }
    return Optional.empty();
  }

  /** What the ConfigMap API accepts as a data key: the characters, the length, and not "." or "..". */
  private static boolean isKey(String key) {
    return key != null && key.length() <= 253 && KEY.matcher(key).matches() && !key.equals(".") && !key.equals("..");
  }

  private static Optional<SpecProblem> problem(String field, String message) {
    return Optional.of(new SpecProblem(field, message));
  }

  private static String quote(String s) {
    return s == null ? "null" : "\"" + s + "\"";
  }
}
