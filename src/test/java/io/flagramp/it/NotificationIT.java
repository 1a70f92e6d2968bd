package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.NotificationStatus;
import io.flagramp.api.v1alpha1.NotifyEvent;
import io.flagramp.api.v1alpha1.NotifyFormat;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ReceiverStatus;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.api.v1alpha1.WebhookReceiver;
import io.flagramp.api.v1alpha1.WebhookSecretReference;
import io.flagramp.core.Annotations;
import io.flagramp.core.OptIn;
import io.flagramp.operator.OperatorSettings;
import io.flagramp.testbed.CapturedLog;
import io.flagramp.testbed.Counters;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.WebhookStub;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * spec.notify against the real kube-apiserver, with webhook receivers on loopback: each transition
 * told once with the documented fields, for a rollout and for a revert; a receiver that hangs or
 * answers 500 delays neither the rollout nor the other receivers, and its retries stop at the bound; a
 * Secret without the opt-in label, or a URL outside FLAGRAMP_WEBHOOK_ALLOWLIST, is never sent to; the
 * URL is in no status, Event or log line; and the API server refuses a notify list the schema can judge.
 */
@ExtendWith(KubeApiServerExtension.class)
class NotificationIT {

  private static final Logger log = LoggerFactory.getLogger(NotificationIT.class);
  /** In every webhook URL's path, as Slack's carry their secret: it must show up nowhere else. */
  private static final String SECRET = "s3cr3t-hook-5d2a";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static OperatorHarness harness;
  private static WebhookStub stub;

  @BeforeAll
  static void start(KubeTestCluster cluster) {
    stub = new WebhookStub();
    OperatorSettings settings = OperatorSettings.from(Map.of("FLAGRAMP_RESYNC_INTERVAL", "2s",
        "FLAGRAMP_PENDING_RETRY_INTERVAL", "1s", "FLAGRAMP_INSTANCE", "it", "FLAGRAMP_WEBHOOK_ALLOWLIST", "127.0.0.1"));
    harness = OperatorHarness.start(cluster, settings, OperatorHarness.NO_METRICS, UnaryOperator.identity());
  }

  @AfterAll
  static void stop() {
    if (stub != null) {
      stub.close();
    }
    if (harness != null) {
      harness.close();
    }
  }

  // ---- the scenarios ----

  @Test
  void aFullRolloutTellsEachTransitionOnceWithTheDocumentedFields() {
    String ns = namespace("notify-rollout");
    String chat = stub.ok(path("chat", ns));
    String slack = stub.ok(path("slack", ns));
    secret(ns, "chat-hook", chat, true);
    secret(ns, "slack-hook", slack, true);
    ScalingChange sc = change(ns, "use-redis", step(1, "1s"), step(50, "1s"), step(100, "1s"));
    sc.getSpec().setNotify(List.of(receiver("chat", "chat-hook", NotifyFormat.Generic),
        receiver("slack", "slack-hook", NotifyFormat.Slack, NotifyEvent.succeeded, NotifyEvent.rolledBack)));
    harness.changes().resource(sc).create();

    await().atMost(Duration.ofSeconds(60)).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);
    awaitSettled(ns, Map.of("chat", 4, "slack", 1));
    awaitMoreReconciles(ns, 3);

    ScalingChange done = harness.get(ns, "use-redis");
    String uid = done.getMetadata().getUid();
    List<JsonNode> messages = messages(path("chat", ns));
    assertThat(messages).extracting(m -> m.get("event").asText())
        .containsExactly("stepEntered", "stepEntered", "stepEntered", "succeeded");
    assertThat(messages).extracting(m -> m.get("id").asText())
        .containsExactly(uid + "/1", uid + "/2", uid + "/3", uid + "/4");
    assertThat(messages).allSatisfy(m -> {
      assertThat(fields(m)).containsExactly("id", "sequence", "event", "namespace", "change", "phase", "reason",
          "weight", "step", "attempt", "decision", "time");
      assertThat(m.get("namespace").asText()).isEqualTo(ns);
      assertThat(m.get("change").asText()).isEqualTo("use-redis");
      assertThat(m.get("attempt").asInt()).isEqualTo(1);
    });
    assertThat(messages).extracting(m -> m.get("phase").asText() + "/" + m.get("reason").asText())
        .containsExactly("Progressing/StepEntered", "Progressing/StepEntered", "Progressing/StepEntered",
            "Succeeded/Succeeded");
    assertThat(messages).extracting(m -> m.get("weight").asInt()).containsExactly(1, 50, 100, 100);
    assertThat(messages).extracting(m -> m.get("step").asText()).containsExactly("1/3", "2/3", "3/3", "3/3");
    assertThat(messages.subList(0, 3)).extracting(m -> m.get("time").asText())
        .as("each step's message carries the moment it was entered")
        .containsExactlyElementsOf(done.getStatus().getHistory().stream().map(HistoryEntry::getStartedAt).toList());
    assertThat(messages.get(1).get("decision").asText()).startsWith("entered step 2/3 at weight 50");
    assertThat(messages.get(3).get("decision").asText()).isEqualTo(done.getStatus().getLastDecision());
    assertThat(stub.to(path("slack", ns))).singleElement().satisfies(r -> {
      JsonNode text = json(r.body());
      assertThat(fields(text)).containsExactly("text");
      assertThat(text.get("text").asText()).isEqualTo(ns + "/use-redis succeeded (Succeeded Succeeded, step 3/3,"
          + " weight 100%, attempt 1): " + done.getStatus().getLastDecision());
    });

    NotificationStatus n = done.getStatus().getNotifications();
    assertThat(n.getSequence()).isEqualTo(4);
    assertThat(n.getPending()).isNull();
    assertThat(n.getReceivers()).extracting(ReceiverStatus::getName, ReceiverStatus::getSent, ReceiverStatus::getFailed)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("chat", 4, null),
            org.assertj.core.groups.Tuple.tuple("slack", 1, null));
    long statusWrites = harness.requests.writesIn(ns).stream().filter(r -> r.kind().equals("status")).count();
    log.info("status writes for a 3-step rollout told to 2 receivers: {} (4 without notifications)", statusWrites);
    assertThat(statusWrites).as("at most one more per notified transition").isBetween(5L, 8L);
  }

  @Test
  void aRevertTellsHeldAndRolledBackOnceEach() {
    String ns = namespace("notify-revert");
    String chat = stub.ok(path("chat", ns));
    secret(ns, "chat-hook", chat, true);
    ScalingChange sc = change(ns, "use-redis", step(1, "1h"), step(100, null));
    sc.getSpec().setNotify(List.of(receiver("chat", "chat-hook", NotifyFormat.Generic)));
    harness.changes().resource(sc).create();
    await().atMost(Duration.ofSeconds(30))
        .until(() -> "1".equals(harness.configMapData(ns, "app-features").get("USE_REDIS_PERCENTAGE")));

    harness.client.configMaps().inNamespace(ns).withName("app-features").edit(cm -> {
      cm.getData().put("USE_REDIS_PERCENTAGE", "7");
      return cm;
    });
    await().atMost(Duration.ofSeconds(30)).until(() -> harness.phase(ns, "use-redis") == Phase.Held);
    KubeTestCluster.KubectlResult aborted = harness.cluster.kubectl("annotate", "-n", ns, "schg/use-redis",
        Annotations.ABORT + "=someone else set 7");
    assertThat(aborted.exitCode()).as(aborted.output()).isZero();
    await().atMost(Duration.ofSeconds(30)).until(() -> harness.rolledBackAndRestored(ns, "use-redis"));
    awaitSettled(ns, Map.of("chat", 3));
    awaitMoreReconciles(ns, 3);

    ScalingChangeStatus done = harness.get(ns, "use-redis").getStatus();
    List<JsonNode> messages = messages(path("chat", ns));
    assertThat(messages).extracting(m -> m.get("event").asText()).containsExactly("stepEntered", "held", "rolledBack");
    assertThat(messages).extracting(m -> m.get("sequence").asInt()).containsExactly(1, 2, 3);
    JsonNode held = messages.get(1);
    assertThat(held.get("phase").asText() + "/" + held.get("reason").asText()).isEqualTo("Held/ExternalChange");
    assertThat(held.get("weight").asInt()).isEqualTo(1);
    assertThat(held.get("decision").asText()).contains("USE_REDIS_PERCENTAGE");
    JsonNode rolledBack = messages.get(2);
    assertThat(rolledBack.get("phase").asText() + "/" + rolledBack.get("reason").asText())
        .isEqualTo("RolledBack/Aborted");
    assertThat(rolledBack.get("weight").isNull()).isTrue();
    assertThat(rolledBack.get("decision").asText()).isEqualTo(done.getLastDecision());
  }

  /** A rollout of 4 steps of 2s each, told to {@code receivers}; how long it took and how late each step was. */
  private record Timing(Duration total, List<Duration> stepLags) {
    Duration maxLag() {
      return stepLags.stream().max(Duration::compareTo).orElse(Duration.ZERO);
    }
  }

  private Timing timedRollout(String ns, List<WebhookReceiver> receivers) {
    ScalingChange sc = change(ns, "use-redis", step(1, "2s"), step(10, "2s"), step(50, "2s"), step(100, "2s"));
    sc.getSpec().setNotify(receivers);
    Instant created = Instant.now();
    harness.changes().resource(sc).create();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
        .until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);
    Duration total = Duration.between(created, Instant.now());
    List<Instant> entered = harness.get(ns, "use-redis").getStatus().getHistory().stream()
        .map(h -> Instant.parse(h.getStartedAt())).toList();
    List<Duration> lags = new ArrayList<>();
    for (int i = 1; i < entered.size(); i++) {
      // Due when the step before had soaked its 2s; entered is when the decision was made and recorded.
      lags.add(Duration.between(entered.get(i - 1).plusSeconds(2), entered.get(i)));
    }
    return new Timing(total, lags);
  }

  @Test
  void aReceiverThatHangsOrFailsDelaysNeitherTheRolloutNorTheOthersAndItsRetriesStopAtTheBound() {
    String quiet = namespace("notify-lag-base");
    secret(quiet, "good-hook", stub.ok(path("good", quiet)), true);
    Timing without = timedRollout(quiet, List.of(receiver("good", "good-hook", NotifyFormat.Generic)));

    String noisy = namespace("notify-lag-bad");
    secret(noisy, "good-hook", stub.ok(path("good", noisy)), true);
    secret(noisy, "hanging-hook", stub.hanging(path("hanging", noisy)), true);
    secret(noisy, "failing-hook", stub.answering(path("failing", noisy), 500, "busy"), true);
    Timing with = timedRollout(noisy, List.of(receiver("hanging", "hanging-hook", NotifyFormat.Generic),
        receiver("failing", "failing-hook", NotifyFormat.Generic), receiver("good", "good-hook", NotifyFormat.Generic)));

    log.info("rollout of 4 steps of 2s: {} ms with a good receiver, {} ms with a hanging and a failing one too"
            + " (ratio {}); step lags {} ms and {} ms", without.total().toMillis(), with.total().toMillis(),
        String.format("%.2f", (double) with.total().toMillis() / without.total().toMillis()),
        without.stepLags().stream().map(Duration::toMillis).toList(),
        with.stepLags().stream().map(Duration::toMillis).toList());
    assertThat(with.maxLag()).as("no step waited for a receiver (one hanging attempt alone takes 5s)")
        .isLessThan(Duration.ofSeconds(2));
    assertThat(with.total()).isLessThan(without.total().plusSeconds(2));

    // The good receiver heard of each transition at once, the hanging one holding up only itself.
    await().atMost(Duration.ofSeconds(10)).until(() -> stub.to(path("good", noisy)).size() == 5);
    assertThat(stub.to(path("good", noisy))).allSatisfy(r -> assertThat(Duration.between(
        Instant.parse(json(r.body()).get("time").asText()), r.at())).isLessThan(Duration.ofSeconds(2)));

    // 5 transitions, each tried 3 times at the failing receiver, and never a 4th.
    await().atMost(Duration.ofSeconds(60)).until(() -> receiverStatus(noisy, "failing")
        .map(r -> r.getFailed() != null && r.getFailed() == 5).orElse(false));
    assertThat(stub.to(path("failing", noisy))).hasSize(15);
    ReceiverStatus failing = receiverStatus(noisy, "failing").orElseThrow();
    // Not how the address answered: that would tell the author which ports are open. The log says it.
    assertThat(failing.getLastFailure()).isEqualTo("not delivered to 127.0.0.1 (the operator's log says why)");
    assertThat(stub.to(path("hanging", noisy)).size()).as("one attempt at a time").isBetween(1, 15);
    assertThat(Counters.value(harness.operatorMetrics.registry(), "flagramp_notification_failures", "cause",
        "http_error")).isGreaterThanOrEqualTo(5.0);
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(noisy, "use-redis")).filteredOn(e -> e.getReason().equals("NotificationFailed"))
        .extracting(Event::getMessage).contains("receiver failing: not delivered to 127.0.0.1 (the operator's log says"
            + " why)"));
    log.info("requests: failing receiver {} for 5 messages (bound 3 each), hanging receiver {} so far",
        stub.to(path("failing", noisy)).size(), stub.to(path("hanging", noisy)).size());
  }

  @Test
  void aSecretWithoutTheLabelOrAnAddressOutsideTheAllowlistIsNeverSentTo() {
    String ns = namespace("notify-refused");
    secret(ns, "unlabelled-hook", stub.ok(path("unlabelled", ns)), false);
    // localhost is the same server, but the allowlist names 127.0.0.1 only.
    secret(ns, "elsewhere-hook", "http://localhost:" + stub.base().split(":")[2] + path("elsewhere", ns), true);
    ScalingChange sc = change(ns, "use-redis", step(1, "1s"), step(100, "1s"));
    sc.getSpec().setNotify(List.of(receiver("unlabelled", "unlabelled-hook", NotifyFormat.Generic),
        receiver("elsewhere", "elsewhere-hook", NotifyFormat.Generic)));
    harness.changes().resource(sc).create();

    await().atMost(Duration.ofSeconds(60)).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);
    awaitSettled(ns, Map.of("unlabelled", 3, "elsewhere", 3));

    assertThat(stub.to(path("unlabelled", ns))).isEmpty();
    assertThat(stub.to(path("elsewhere", ns))).isEmpty();
    assertThat(receiverStatus(ns, "unlabelled").orElseThrow().getLastFailure()).isEqualTo("Secret unlabelled-hook"
        + " does not carry the label flagramp.io/notifications=true: nothing was sent (if its owner agrees: kubectl"
        + " label secret unlabelled-hook flagramp.io/notifications=true)");
    assertThat(receiverStatus(ns, "elsewhere").orElseThrow().getLastFailure()).isEqualTo("Secret elsewhere-hook"
        + " points at host localhost, which FLAGRAMP_WEBHOOK_ALLOWLIST does not allow: nothing was sent (the operator's"
        + " administrators can add it to FLAGRAMP_WEBHOOK_ALLOWLIST, Helm value webhookAllowlist)");
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "use-redis")).filteredOn(e -> e.getReason().equals("NotificationRefused"))
        .as("once per receiver, not once per message").extracting(Event::getMessage)
        .containsExactlyInAnyOrder("receiver unlabelled: " + receiverStatus(ns, "unlabelled").get().getLastFailure(),
            "receiver elsewhere: " + receiverStatus(ns, "elsewhere").get().getLastFailure()));
    assertThat(harness.get(ns, "use-redis").getStatus().getConditions())
        .as("never a condition: the rollout is fine").allSatisfy(c -> assertThat(c.getMessage()).doesNotContain("Secret"));
  }

  @Test
  void theWebhookUrlIsInNoStatusEventOrLogLine() {
    String ns = namespace("notify-leaks");
    secret(ns, "ok-hook", stub.ok(path("ok", ns)), true);
    secret(ns, "failing-hook", stub.answering(path("failing", ns), 500, SECRET), true);
    secret(ns, "redirect-hook", stub.redirecting(path("redirect", ns), stub.base() + path("target", ns)), true);
    secret(ns, "unlabelled-hook", stub.ok(path("unlabelled", ns)), false);
    ScalingChange sc = change(ns, "use-redis", step(1, "1h"), step(100, null));
    sc.getSpec().setNotify(List.of(receiver("ok", "ok-hook", NotifyFormat.Slack),
        receiver("failing", "failing-hook", NotifyFormat.Generic),
        receiver("redirect", "redirect-hook", NotifyFormat.Generic),
        receiver("unlabelled", "unlabelled-hook", NotifyFormat.Generic)));
    List<String> lines;

    try (CapturedLog captured = new CapturedLog("io.flagramp")) {
      harness.changes().resource(sc).create();
      awaitSettled(ns, Map.of("ok", 1, "failing", 1, "redirect", 1, "unlabelled", 1));
      harness.cluster.kubectl("annotate", "-n", ns, "schg/use-redis", Annotations.ABORT + "=leak test");
      await().atMost(Duration.ofSeconds(30)).until(() -> harness.rolledBackAndRestored(ns, "use-redis"));
      awaitSettled(ns, Map.of("ok", 2, "failing", 2, "redirect", 2, "unlabelled", 2));
      lines = captured.lines();
    }

    assertThat(stub.to(path("target", ns))).as("the redirect was not followed").isEmpty();
    assertThat(lines).as("the log says what happened").anySatisfy(l -> assertThat(l)
        .contains("127.0.0.1 answered HTTP 302, a redirect, which is not followed"));
    List<String> seen = new ArrayList<>(lines);
    seen.add(harness.cluster.kubectl("get", "schg", "-n", ns, "use-redis", "-o", "yaml").output());
    harness.client.v1().events().inNamespace(ns).list().getItems()
        .forEach(e -> seen.add(e.getReason() + " " + e.getMessage()));
    assertThat(seen).allSatisfy(line -> assertThat(line).doesNotContain(SECRET));
  }

  static Stream<Arguments> rejected() {
    return Stream.of(
        Arguments.of("one name twice", (Consumer<ScalingChange>) sc -> sc.getSpec().setNotify(List.of(
            receiver("chat", "a", NotifyFormat.Generic), receiver("chat", "b", NotifyFormat.Slack))),
            "spec.notify: receiver names must be unique"),
        Arguments.of("11 receivers", (Consumer<ScalingChange>) sc -> sc.getSpec().setNotify(IntStream.rangeClosed(1, 11)
            .mapToObj(i -> receiver("r" + i, "hook", NotifyFormat.Generic)).toList()),
            "spec.notify: Too many: 11: must have at most 10 items"),
        Arguments.of("an empty event list", (Consumer<ScalingChange>) sc -> {
          WebhookReceiver r = receiver("chat", "hook", NotifyFormat.Generic);
          r.setEvents(List.of());
          sc.getSpec().setNotify(List.of(r));
        }, "spec.notify[0].events in body should have at least 1 items"),
        Arguments.of("a name with capitals", (Consumer<ScalingChange>) sc -> sc.getSpec().setNotify(List.of(
            receiver("TeamChat", "hook", NotifyFormat.Generic))), "spec.notify[0].name in body should match"),
        Arguments.of("no Secret", (Consumer<ScalingChange>) sc -> sc.getSpec().setNotify(List.of(
            new WebhookReceiver("chat", null))), "spec.notify[0].secretRef: Required value"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejected")
  void theApiServerRejectsABadNotifyListWithItsMessage(String name, Consumer<ScalingChange> breakIt, String message) {
    String ns = harness.cluster.createNamespace("notify-rejected");
    ScalingChange sc = change(ns, "use-redis", step(1, "1m"), step(100, null));
    breakIt.accept(sc);

    assertThatThrownBy(() -> harness.changes().resource(sc).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getMessage()).contains(message);
        });
  }

  // ---- helpers ----

  private static String namespace(String prefix) {
    String ns = harness.cluster.createNamespace(prefix);
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    return ns;
  }

  /** Each receiver's path on the stub, with the secret in it, as a Slack URL has. */
  private static String path(String receiver, String ns) {
    return "/" + receiver + "/" + ns + "/" + SECRET;
  }

  private static void secret(String ns, String name, String url, boolean optedIn) {
    SecretBuilder secret = new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
        .addToStringData("url", url);
    if (optedIn) {
      secret.editMetadata().addToLabels(OptIn.NOTIFICATIONS, OptIn.VALUE).endMetadata();
    }
    harness.client.secrets().inNamespace(ns).resource(secret.build()).create();
  }

  private static WebhookReceiver receiver(String name, String secret, NotifyFormat format, NotifyEvent... events) {
    WebhookReceiver r = new WebhookReceiver(name, new WebhookSecretReference(secret, null));
    r.setFormat(format);
    r.setEvents(events.length == 0 ? null : Arrays.asList(events));
    return r;
  }

  private static Optional<ReceiverStatus> receiverStatus(String ns, String receiver) {
    ScalingChange sc = harness.get(ns, "use-redis");
    NotificationStatus n = sc == null || sc.getStatus() == null ? null : sc.getStatus().getNotifications();
    return n == null || n.getReceivers() == null ? Optional.empty()
        : n.getReceivers().stream().filter(r -> r.getName().equals(receiver)).findFirst();
  }

  /** Until nothing is owed and each receiver's messages (sent or given up on) number as given. */
  private static void awaitSettled(String ns, Map<String, Integer> messages) {
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      ScalingChange sc = harness.get(ns, "use-redis");
      NotificationStatus n = sc == null || sc.getStatus() == null ? null : sc.getStatus().getNotifications();
      return n != null && n.getPending() == null && messages.entrySet().stream().allMatch(e ->
          receiverStatus(ns, e.getKey()).map(r -> (r.getSent() == null ? 0 : r.getSent())
              + (r.getFailed() == null ? 0 : r.getFailed()) == e.getValue()).orElse(false));
    });
  }

  /**
   * Makes the operator reconcile the change {@code reconciles} more times, one after the other: a
   * terminal change is not looked at on its own, so each is called for by a new flagramp.io/ annotation
   * (one no rule acts on), counted by the operator's own /metrics.
   */
  private static void awaitMoreReconciles(String ns, int reconciles) {
    for (int i = 0; i < reconciles; i++) {
      long before = harness.reconciles();
      harness.changes().inNamespace(ns).withName("use-redis").edit(sc -> {
        Map<String, String> annotations = new java.util.HashMap<>(Optional.ofNullable(sc.getMetadata()
            .getAnnotations()).orElse(Map.of()));
        annotations.put("flagramp.io/test-poke", Long.toString(System.nanoTime()));
        sc.getMetadata().setAnnotations(annotations);
        return sc;
      });
      await().atMost(Duration.ofSeconds(30)).until(() -> harness.reconciles() > before);
    }
  }

  private static List<JsonNode> messages(String path) {
    return stub.to(path).stream().map(r -> json(r.body())).toList();
  }

  private static JsonNode json(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> fields(JsonNode node) {
    List<String> fields = new ArrayList<>();
    node.fieldNames().forEachRemaining(fields::add);
    return fields;
  }
}
