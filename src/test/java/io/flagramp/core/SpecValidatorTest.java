package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.Baseline;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.WebhookReceiver;
import io.flagramp.api.v1alpha1.WebhookSecretReference;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SpecValidatorTest {

  static io.flagramp.api.v1alpha1.DeployWindows windows(String zone, String from, String to, String blockedFrom,
      String blockedTo) {
    return new io.flagramp.api.v1alpha1.DeployWindows(zone, List.of(new io.flagramp.api.v1alpha1.AllowedWindow(null,
        from, to)), blockedFrom == null ? null : List.of(new io.flagramp.api.v1alpha1.BlockedWindow(blockedFrom,
        blockedTo, null)));
  }

  private static void flagd(ScalingChangeSpec s, String key, String flag) {
    s.getFlag().setPercentageKey(null);
    s.getFlag().setEnabledKey(null);
    s.getFlag().setFlagd(new io.flagramp.api.v1alpha1.FlagdFlag(key, flag, null, null));
  }

  static Stream<Arguments> problems() {
    return Stream.of(
        Arguments.of("valid", (Consumer<ScalingChangeSpec>) s -> {}, null),
        Arguments.of("no flag", (Consumer<ScalingChangeSpec>) s -> s.setFlag(null), "spec.flag: is required"),
        Arguments.of("bad ConfigMap name", (Consumer<ScalingChangeSpec>) s -> s.getFlag().setConfigMapName("App_Features"),
            "spec.flag.configMapName: \"App_Features\" is not a valid ConfigMap name"),
        Arguments.of("bad key", (Consumer<ScalingChangeSpec>) s -> s.getFlag().setPercentageKey("a/b"),
            "spec.flag.percentageKey: \"a/b\" is not a valid ConfigMap key"),
        Arguments.of("same key twice", (Consumer<ScalingChangeSpec>) s -> s.getFlag().setEnabledKey("USE_REDIS_PERCENTAGE"),
            "spec.flag.enabledKey: must differ from spec.flag.percentageKey"),
        Arguments.of("a flagd flag", (Consumer<ScalingChangeSpec>) s -> flagd(s, "flags.json", "new-checkout"), null),
        Arguments.of("a flagd flag and a percentage key", (Consumer<ScalingChangeSpec>) s -> {
          s.getFlag().setEnabledKey(null);
          s.getFlag().setFlagd(new io.flagramp.api.v1alpha1.FlagdFlag("flags.json", "f", null, null));
        }, "spec.flag.flagd: goes instead of spec.flag.percentageKey, not with it"),
        Arguments.of("a flagd flag with an enabled key", (Consumer<ScalingChangeSpec>) s -> {
          flagd(s, "flags.json", "f");
          s.getFlag().setEnabledKey("ON");
        }, "spec.flag.enabledKey: goes with spec.flag.percentageKey; a flagd flag has none"),
        Arguments.of("a flagd data key that is not one", (Consumer<ScalingChangeSpec>) s -> flagd(s, "a/b", "f"),
            "spec.flag.flagd.key: \"a/b\" is not a valid ConfigMap key"),
        Arguments.of("a flagd flag without its flag", (Consumer<ScalingChangeSpec>) s -> flagd(s, "flags.json", null),
            "spec.flag.flagd.flag: is required"),
        Arguments.of("on and off the same variant", (Consumer<ScalingChangeSpec>) s -> {
          flagd(s, "flags.json", "f");
          s.getFlag().getFlagd().setOffVariant("on");
        }, "spec.flag.flagd.offVariant: must differ from onVariant (both \"on\")"),
        Arguments.of("neither format", (Consumer<ScalingChangeSpec>) s -> {
          s.getFlag().setPercentageKey(null);
          s.getFlag().setEnabledKey(null);
        }, "spec.flag.percentageKey: is required (or spec.flag.flagd)"),
        Arguments.of("no steps", (Consumer<ScalingChangeSpec>) s -> s.getSteps().clear(), "spec.steps: needs at least one step"),
        Arguments.of("weight over 100", (Consumer<ScalingChangeSpec>) s -> s.getSteps().get(2).setWeight(101),
            "spec.steps[2].weight: 101 is outside 1..100"),
        Arguments.of("weights not increasing", (Consumer<ScalingChangeSpec>) s -> s.getSteps().get(1).setWeight(1),
            "spec.steps[1].weight: 1 must be greater than the previous step's 1"),
        Arguments.of("pause out of range", (Consumer<ScalingChangeSpec>) s -> s.getSteps().get(0).setPause("99999999999999999999h"),
            "spec.steps[0].pause: \"99999999999999999999h\" is out of range"),
        Arguments.of("pause not a duration", (Consumer<ScalingChangeSpec>) s -> s.getSteps().get(0).setPause("1d"),
            "spec.steps[0].pause: \"1d\" is not a duration like 30s, 5m, 1h30m or 24h"),
        Arguments.of("bake out of range", (Consumer<ScalingChangeSpec>) s -> s.setBake("99999999999999999999m"),
            "spec.bake: \"99999999999999999999m\" is out of range"),
        Arguments.of("valid analysis", (Consumer<ScalingChangeSpec>) s -> s.setAnalysis(analysis()), null),
        Arguments.of("a valid cohort rate", (Consumer<ScalingChangeSpec>) s -> s.setAnalysis(cohort(
            io.flagramp.api.v1alpha1.CohortMetric.rate(E, R, "0.001"))), null),
        Arguments.of("a valid cohort value", (Consumer<ScalingChangeSpec>) s -> s.setAnalysis(cohort(
            io.flagramp.api.v1alpha1.CohortMetric.value("p50{$cohort}", "20%"))), null),
        Arguments.of("a cohort rate without $range", (Consumer<ScalingChangeSpec>) s -> s.setAnalysis(cohort(
            io.flagramp.api.v1alpha1.CohortMetric.rate("sum(increase(e{$cohort}[5m]))", R, "0.001"))),
            "spec.analysis.metrics[0].cohort.errors: must count since the step began: use $range as the range, as"
                + " in increase(http_requests_total{$cohort}[$range])"),
        Arguments.of("a cohort query without $cohort", (Consumer<ScalingChangeSpec>) s -> s.setAnalysis(cohort(
            io.flagramp.api.v1alpha1.CohortMetric.rate(E, "sum(increase(r[$range]))", "0.001"))),
            "spec.analysis.metrics[0].cohort.requests: must contain $cohort, which stands for each cohort's label"
                + " matcher"),
        Arguments.of("a cohort metric without an allowance", (Consumer<ScalingChangeSpec>) s -> s.setAnalysis(cohort(
            io.flagramp.api.v1alpha1.CohortMetric.rate(E, R, null))),
            "spec.analysis.metrics[0].cohort.maxIncrease: is required: how much worse flag-on may be (\"0.001\","
                + " \"20%\"); with none, no amount of data shows a flag no worse, and no step passes"),
        Arguments.of("a zero allowance", (Consumer<ScalingChangeSpec>) s -> s.setAnalysis(cohort(
            io.flagramp.api.v1alpha1.CohortMetric.rate(E, R, "0%"))),
            "spec.analysis.metrics[0].cohort.maxIncrease: \"0%\" allows nothing: with no allowance no amount of"
                + " data shows a flag no worse, and no step passes"),
        Arguments.of("an absolute allowance for a latency", (Consumer<ScalingChangeSpec>) s -> s.setAnalysis(cohort(
            io.flagramp.api.v1alpha1.CohortMetric.value("p50{$cohort}", "0.05"))),
            "spec.analysis.metrics[0].cohort.maxIncrease: \"0.05\": a continuous metric's allowance is relative to"
                + " flag-off, such as \"20%\""),
        Arguments.of("both cohorts the same label value", (Consumer<ScalingChangeSpec>) s -> {
          s.setAnalysis(cohort(io.flagramp.api.v1alpha1.CohortMetric.rate(E, R, "0.001")));
          s.getAnalysis().setCohorts(new io.flagramp.api.v1alpha1.Cohorts());
          s.getAnalysis().getCohorts().setFlagOff("on");
        }, "spec.analysis.cohorts.flagOff: is the same label value as flagOn, \"on\": the cohorts could not be told"
            + " apart"),
        Arguments.of("valid windows", (Consumer<ScalingChangeSpec>) s -> s.setWindows(windows("Europe/Berlin",
            "02:00", "05:00", "2026-12-21", "2027-01-04")), null),
        Arguments.of("an unknown time zone", (Consumer<ScalingChangeSpec>) s -> s.setWindows(windows("Mars/Olympus",
            "02:00", "05:00", null, null)),
            "spec.windows.timeZone: \"Mars/Olympus\" is not an IANA time zone (such as Europe/Berlin or UTC)"),
        Arguments.of("an empty allowed range", (Consumer<ScalingChangeSpec>) s -> s.setWindows(windows("UTC",
            "02:00", "02:00", null, null)), "spec.windows.allowed[0]: from and to are both 02:00: the range is empty"),
        Arguments.of("a time that is not one", (Consumer<ScalingChangeSpec>) s -> s.setWindows(windows("UTC",
            "25:00", "02:00", null, null)), "spec.windows.allowed[0].from: \"25:00\" is not a time HH:MM (00:00..23:59)"),
        Arguments.of("a freeze that ends before it starts", (Consumer<ScalingChangeSpec>) s -> s.setWindows(windows(
            "UTC", "02:00", "05:00", "2027-01-04", "2026-12-21")),
            "spec.windows.blocked[0].to: \"2026-12-21\" is not after from \"2027-01-04\""),
        Arguments.of("a date that does not exist", (Consumer<ScalingChangeSpec>) s -> s.setWindows(windows(
            "UTC", "02:00", "05:00", "2026-02-30", "2026-03-01")),
            "spec.windows.blocked[0]: is not a real date or time: Text '2026-02-30' could not be parsed: Invalid date"
                + " 'FEBRUARY 30'"),
        Arguments.of("interval below the floor", (Consumer<ScalingChangeSpec>) s -> {
          s.setAnalysis(analysis());
          s.getAnalysis().setInterval("1ms");
        }, "spec.analysis.interval: \"1ms\" is outside 1s..24h"),
        Arguments.of("a timeout longer than the interval", (Consumer<ScalingChangeSpec>) s -> {
          s.setAnalysis(analysis());
          s.getAnalysis().setInterval("5s");
          s.getAnalysis().setPrometheus(new io.flagramp.api.v1alpha1.PrometheusSource());
          s.getAnalysis().getPrometheus().setAddress("http://prometheus:9090");
          s.getAnalysis().getPrometheus().setTimeout("10s");
        }, "spec.analysis.prometheus.timeout: \"10s\" is outside 1ms..5s"),
        Arguments.of("a timeout too large to represent", (Consumer<ScalingChangeSpec>) s -> {
          s.setAnalysis(analysis());
          s.getAnalysis().setPrometheus(new io.flagramp.api.v1alpha1.PrometheusSource());
          s.getAnalysis().getPrometheus().setAddress("http://prometheus:9090");
          s.getAnalysis().getPrometheus().setTimeout("99999999999999999999h");
        }, "spec.analysis.prometheus.timeout: \"99999999999999999999h\" is out of range"),
        Arguments.of("a metric name twice", (Consumer<ScalingChangeSpec>) s -> {
          s.setAnalysis(analysis());
          s.getAnalysis().getMetrics().add(metric("error-rate", 0.5, null));
        }, "spec.analysis.metrics[1].name: \"error-rate\" is missing or used twice"),
        Arguments.of("a metric without bounds", (Consumer<ScalingChangeSpec>) s -> {
          s.setAnalysis(analysis());
          s.getAnalysis().getMetrics().add(metric("latency", null, null));
        }, "spec.analysis.metrics[1]: needs at least one of min, max or maxIncrease"),
        Arguments.of("maxIncrease without a baseline", (Consumer<ScalingChangeSpec>) s -> {
          s.setAnalysis(analysis());
          s.getAnalysis().getMetrics().add(metric("latency", null, "50%"));
        }, "spec.analysis.baseline: is required, since spec.analysis.metrics[1] sets maxIncrease"),
        Arguments.of("maxIncrease neither relative nor absolute", (Consumer<ScalingChangeSpec>) s -> {
          s.setAnalysis(analysis());
          s.getAnalysis().setBaseline(new Baseline("10m"));
          s.getAnalysis().getMetrics().add(metric("latency", null, "fifty"));
        }, "spec.analysis.metrics[1].maxIncrease: \"fifty\" is neither \"50%\" nor \"0.002\""),
        Arguments.of("no Prometheus address", (Consumer<ScalingChangeSpec>) s -> {
          s.setAnalysis(analysis());
          s.getAnalysis().setPrometheus(null);
        }, "spec.analysis.prometheus.address: is not set, and the operator has no default (FLAGRAMP_PROMETHEUS_ADDRESS)"),
        Arguments.of("valid receivers", (Consumer<ScalingChangeSpec>) s -> s.setNotify(receivers("chat", "pager")), null),
        Arguments.of("a receiver name twice", (Consumer<ScalingChangeSpec>) s -> s.setNotify(receivers("chat", "chat")),
            "spec.notify[1].name: \"chat\" is used twice"),
        Arguments.of("a receiver name that is not one", (Consumer<ScalingChangeSpec>) s ->
            s.setNotify(receivers("Team Chat")), "spec.notify[0].name: \"Team Chat\" is not a receiver name"
            + " (lower-case letters, digits and '-', at most 63)"),
        Arguments.of("too many receivers", (Consumer<ScalingChangeSpec>) s -> s.setNotify(receivers("a", "b", "c", "d",
            "e", "f", "g", "h", "i", "j", "k")), "spec.notify: has 11 receivers; at most 10"),
        Arguments.of("a receiver without its Secret", (Consumer<ScalingChangeSpec>) s -> {
          s.setNotify(receivers("chat"));
          s.getNotify().get(0).setSecretRef(null);
        }, "spec.notify[0].secretRef: is required"),
        Arguments.of("a Secret key that is not one", (Consumer<ScalingChangeSpec>) s -> {
          s.setNotify(receivers("chat"));
          s.getNotify().get(0).getSecretRef().setKey("a/b");
        }, "spec.notify[0].secretRef.key: \"a/b\" is not a valid Secret key"),
        Arguments.of("an empty event filter", (Consumer<ScalingChangeSpec>) s -> {
          s.setNotify(receivers("chat"));
          s.getNotify().get(0).setEvents(List.of());
        }, "spec.notify[0].events: lists no event or an empty one; leave it out for all events"));
  }

  static List<WebhookReceiver> receivers(String... names) {
    List<WebhookReceiver> receivers = new ArrayList<>();
    for (String name : names) {
      receivers.add(new WebhookReceiver(name, new WebhookSecretReference(name + "-hook", null)));
    }
    return receivers;
  }

  static final String E = "sum(increase(errors{$cohort}[$range]))";
  static final String R = "sum(increase(requests{$cohort}[$range]))";

  /** An analysis with one metric judged by its cohorts. */
  static Analysis cohort(io.flagramp.api.v1alpha1.CohortMetric cohort) {
    Analysis a = analysis();
    MetricCheck m = new MetricCheck("error-rate", null);
    m.setCohort(cohort);
    a.setMetrics(new ArrayList<>(List.of(m)));
    return a;
  }

  static Analysis analysis() {
    Analysis a = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress("http://prometheus:9090");
    a.setPrometheus(source);
    a.setInterval("1m");
    a.setMetrics(new ArrayList<>(List.of(metric("error-rate", null, null))));
    a.getMetrics().get(0).setMax(0.01);
    return a;
  }

  static MetricCheck metric(String name, Double max, String maxIncrease) {
    MetricCheck m = new MetricCheck(name, "q");
    m.setMax(max);
    m.setMaxIncrease(maxIncrease);
    return m;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("problems")
  void namesTheFirstFieldThatCannotWork(String name, Consumer<ScalingChangeSpec> breakIt, String expected) {
    ScalingChangeSpec spec = Changes.change("c").step(1, "1m").step(5, "1m").step(100, null).build().getSpec();
    breakIt.accept(spec);

    assertThat(SpecValidator.validate(spec).map(SpecProblem::toString).orElse(null)).isEqualTo(expected);
  }
}
