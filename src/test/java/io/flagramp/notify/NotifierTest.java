package io.flagramp.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.NotificationStatus;
import io.flagramp.api.v1alpha1.NotifyEvent;
import io.flagramp.api.v1alpha1.NotifyFormat;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ReceiverStatus;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.api.v1alpha1.WebhookReceiver;
import io.flagramp.core.Annotations;
import io.flagramp.core.Plan;
import io.flagramp.core.PlannerSettings;
import io.flagramp.demo.InMemoryApi;
import io.flagramp.demo.Simulation;
import io.flagramp.operator.Clients;
import io.flagramp.operator.StatusWriteFailed;
import io.flagramp.testbed.CapturedLog;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The notifier on the operator's own reconcile, against the in-memory API and a simulated clock: each
 * transition told once to each receiver that wants it, nothing told for a write that did not happen,
 * the latest one told again after a restart, a slow receiver holding up nobody, a full lane dropping
 * and counting, and the URL in nothing but the request.
 */
class NotifierTest {

  private static final PlannerSettings SETTINGS = new PlannerSettings(Duration.ofSeconds(60), Duration.ofSeconds(15),
      20);
  private static final Instant T0 = Instant.parse("2026-11-26T02:00:00Z");
  private static final List<Step> THREE_STEPS = List.of(new Step(1, "30s"), new Step(50, "30s"), new Step(100, "30s"));

  private final Rig rig = new Rig();
  /** Released at the end of each test: what a hanging receiver waits for. */
  private final CountDownLatch hang = new CountDownLatch(1);

  @AfterEach
  void releaseHangingReceivers() {
    hang.countDown();
  }

  private Simulation sim(ScalingChange change, Notifier notifier) {
    Simulation sim = new Simulation(SETTINGS, change, T0).observedBy(notifier);
    sim.externalWrite("USE_REDIS", "false", "kubectl-client-side-apply");
    rig.time = () -> sim.now;
    return sim;
  }

  /** One reconcile as the operator makes it, then the reconciles the notifier asks for, as JOSDK would. */
  private Plan reconcile(Simulation sim, Notifier notifier) {
    Plan plan = sim.reconcile();
    settle(sim, notifier);
    return plan;
  }

  private void settle(Simulation sim, Notifier notifier) {
    for (int i = 0; i < 10; i++) {
      await().atMost(Duration.ofSeconds(10)).until(() -> notifier.inFlight() == 0);
      if (rig.wokenUp.isEmpty()) {
        return;
      }
      rig.wokenUp.clear();
      sim.reconcile();
    }
  }

  private void runToTheEnd(Simulation sim, Notifier notifier) {
    for (int i = 0; i < 100; i++) {
      Plan plan = reconcile(sim, notifier);
      if (plan.requeueAfter().isEmpty()) {
        return;
      }
      sim.advance(plan.requeueAfter().get());
    }
    throw new AssertionError("still running: " + sim.change.getStatus().getLastDecision());
  }

  /** The receiver on {@code host} answers nothing until the test ends, then times out. */
  private void hangs(String host) {
    hangs(host, Transport.Attempt.failed("timeout", host + " did not answer within 5s", true));
  }

  private void hangs(String host, Transport.Attempt then) {
    rig.transport.answers.put(host, url -> {
      try {
        hang.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return then;
    });
  }

  @Test
  void aFullRolloutTellsEachTransitionOnceToEachReceiverThatWantsItInOrder() {
    rig.secret("chat-hook", Rig.url("chat.example"), true);
    rig.secret("pager-hook", Rig.url("pager.example"), true);
    Notifier notifier = rig.notifier();
    Simulation sim = sim(Rig.change(THREE_STEPS, Rig.receiver("chat", "chat-hook", NotifyFormat.Generic),
        Rig.receiver("pager", "pager-hook", NotifyFormat.Slack, NotifyEvent.succeeded, NotifyEvent.rolledBack)),
        notifier);

    runToTheEnd(sim, notifier);
    IntStream.range(0, 5).forEach(i -> reconcile(sim, notifier));

    ScalingChangeStatus done = sim.change.getStatus();
    assertThat(done.getPhase()).isEqualTo(Phase.Succeeded);
    List<JsonNode> chat = rig.transport.to("chat.example").stream().map(Rig.Post::json).toList();
    assertThat(chat).extracting(m -> m.get("event").asText())
        .containsExactly("stepEntered", "stepEntered", "stepEntered", "succeeded");
    assertThat(chat).extracting(m -> m.get("id").asText())
        .containsExactly("uid-use-redis/1", "uid-use-redis/2", "uid-use-redis/3", "uid-use-redis/4");
    assertThat(chat).extracting(m -> m.get("weight").asInt()).containsExactly(1, 50, 100, 100);
    assertThat(chat).extracting(m -> m.get("step").asText()).containsExactly("1/3", "2/3", "3/3", "3/3");
    assertThat(chat.subList(0, 3)).extracting(m -> m.get("time").asText())
        .as("a step's message carries the moment it was entered")
        .containsExactlyElementsOf(done.getHistory().stream().map(HistoryEntry::getStartedAt).toList());
    assertThat(chat.get(0).get("decision").asText()).contains("entered step 1/3 at weight 1");
    assertThat(chat.get(3).get("decision").asText()).isEqualTo(done.getLastDecision());
    assertThat(rig.transport.to("pager.example")).singleElement().extracting(p -> p.json().get("text").asText())
        .asString().startsWith("social/use-redis succeeded (Succeeded Succeeded, step 3/3, weight 100%, attempt 1): ");

    NotificationStatus n = done.getNotifications();
    assertThat(n.getSequence()).isEqualTo(4);
    assertThat(n.getEvent()).isEqualTo(NotifyEvent.succeeded);
    assertThat(n.getPending()).as("nothing is owed any more").isNull();
    assertThat(n.getReceivers()).extracting(ReceiverStatus::getName, ReceiverStatus::getSent, ReceiverStatus::getFailed)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("chat", 4, null),
            org.assertj.core.groups.Tuple.tuple("pager", 1, null));
    assertThat(rig.counter("flagramp_notifications", "result", "sent")).isEqualTo(5.0);
  }

  @Test
  void notifyingCostsAtMostOneMoreStatusWritePerTransitionAndNothingWithoutReceivers() {
    Simulation without = new Simulation(SETTINGS, Rig.change(THREE_STEPS), T0);
    without.externalWrite("USE_REDIS", "false", "kubectl-client-side-apply");
    without.runUntilQuiet(100);
    rig.secret("chat-hook", Rig.url("chat.example"), true);
    Notifier notifier = rig.notifier();
    Simulation with = sim(Rig.change(THREE_STEPS, Rig.receiver("chat", "chat-hook", NotifyFormat.Generic)), notifier);

    runToTheEnd(with, notifier);

    assertThat(without.change.getStatus().getNotifications()).isNull();
    int transitions = with.change.getStatus().getNotifications().getSequence();
    assertThat(with.statusWrites()).as("%d without notifications, %d transitions", without.statusWrites(), transitions)
        .isBetween(without.statusWrites() + 1, without.statusWrites() + transitions);
  }

  /** A rollout told to one receiver, whose first status write meets {@code fault}. */
  private Simulation firstStatusWrite(InMemoryApi.Fault fault, Notifier notifier) {
    rig.secret("chat-hook", Rig.url("chat.example"), true);
    Simulation sim = sim(Rig.change(THREE_STEPS, Rig.receiver("chat", "chat-hook", NotifyFormat.Generic)), notifier);
    AtomicInteger statusWrites = new AtomicInteger();
    sim.api.faults = kind -> kind == InMemoryApi.WriteKind.STATUS && statusWrites.getAndIncrement() == 0
        ? fault : InMemoryApi.Fault.NONE;
    return sim;
  }

  @Test
  void aStatusWriteThatFailedTellsNothingAndItsRetryTellsOnce() {
    Notifier notifier = rig.notifier();
    Simulation sim = firstStatusWrite(InMemoryApi.Fault.LOST, notifier);

    assertThatThrownBy(sim::reconcile).isInstanceOf(StatusWriteFailed.class);
    settle(sim, notifier);
    assertThat(rig.transport.posts).as("the first step was not recorded").isEmpty();

    reconcile(sim, notifier);
    reconcile(sim, notifier);

    assertThat(rig.transport.posts).singleElement().extracting(p -> p.json().get("id").asText())
        .isEqualTo("uid-use-redis/1");
  }

  @Test
  void aStatusWriteWhoseAnswerWasLostIsToldOnceTheNextReconcileHasFinishedItsWrite() {
    Notifier notifier = rig.notifier();
    Simulation sim = firstStatusWrite(InMemoryApi.Fault.APPLIED_ANSWER_LOST, notifier);

    assertThatThrownBy(sim::reconcile).isInstanceOf(StatusWriteFailed.class);
    settle(sim, notifier);
    assertThat(rig.transport.posts).as("the ConfigMap is not written yet").isEmpty();
    assertThat(sim.change.getStatus().getNotifications().getPending()).containsExactly("chat");

    reconcile(sim, notifier);
    reconcile(sim, notifier);

    assertThat(sim.configMap()).containsEntry("USE_REDIS_PERCENTAGE", "1");
    assertThat(rig.transport.posts).singleElement().extracting(p -> p.json().get("event").asText())
        .isEqualTo("stepEntered");
    assertThat(sim.change.getStatus().getNotifications().getPending()).isNull();
  }

  @Test
  void anOperatorThatRestartsBeforeTheMessageWentOutTellsTheLatestTransitionAgainOnceWithTheSameId() {
    rig.secret("chat-hook", Rig.url("chat.example"), true);
    hangs("chat.example");
    Notifier first = rig.notifier();
    Simulation sim = sim(Rig.change(THREE_STEPS, Rig.receiver("chat", "chat-hook", NotifyFormat.Generic)), first);
    sim.reconcile();
    await().atMost(Duration.ofSeconds(10)).until(() -> rig.transport.posts.size() == 1);
    assertThat(sim.change.getStatus().getNotifications().getPending()).containsExactly("chat");

    // The first process is gone before the receiver answered: a new one, with nothing in memory.
    Rig after = new Rig();
    after.secrets.putAll(rig.secrets);
    Notifier second = after.notifier();
    Simulation restarted = sim.restartedAt(sim.now.plusSeconds(5)).observedBy(second);
    after.time = () -> restarted.now;
    restarted.reconcile();
    restarted.reconcile();
    await().atMost(Duration.ofSeconds(10)).until(() -> second.inFlight() == 0);
    restarted.reconcile();
    restarted.reconcile();

    assertThat(after.transport.posts).singleElement().satisfies(p -> {
      assertThat(p.json().get("id").asText()).isEqualTo(rig.transport.posts.get(0).json().get("id").asText());
      assertThat(p.json().get("event").asText()).isEqualTo("stepEntered");
    });
    assertThat(restarted.change.getStatus().getNotifications().getPending()).isNull();
    assertThat(restarted.change.getStatus().getNotifications().getReceivers()).singleElement()
        .extracting(ReceiverStatus::getSent).isEqualTo(1);
  }

  @Test
  void aReceiverThatHangsHoldsUpNeitherTheReconcileNorAnotherReceiver() {
    rig.secret("slow-hook", Rig.url("slow.example"), true);
    rig.secret("fast-hook", Rig.url("fast.example"), true);
    hangs("slow.example");
    Notifier notifier = rig.notifier();
    Simulation sim = sim(Rig.change(THREE_STEPS, Rig.receiver("slow", "slow-hook", NotifyFormat.Generic),
        Rig.receiver("fast", "fast-hook", NotifyFormat.Generic)), notifier);

    for (int step = 0; step < 3; step++) {
      Plan plan = sim.reconcile();
      sim.advance(plan.requeueAfter().orElseThrow());
    }

    assertThat(sim.change.getStatus().getCurrentWeight()).as("the rollout went on").isEqualTo(100);
    await().atMost(Duration.ofSeconds(10)).until(() -> rig.transport.to("fast.example").size() == 3);
    assertThat(rig.transport.to("slow.example")).as("one message at a time on its own lane").hasSize(1);
  }

  @Test
  void aFullLaneDropsWhatDoesNotFitCountsItAndSaysSo() {
    rig.secret("chat-hook", Rig.url("chat.example"), true);
    hangs("chat.example", Transport.Attempt.ok());
    Notifier notifier = rig.notifier();
    ScalingChange change = Rig.change(THREE_STEPS, Rig.receiver("chat", "chat-hook", NotifyFormat.Generic));
    int handedOver = 1 + Notifier.QUEUE_PER_RECEIVER + 1;

    for (int sequence = 1; sequence <= handedOver; sequence++) {
      notifier.planned(change, plan(change, sequence));
    }

    assertThat(rig.counter("flagramp_notifications", "result", "dropped")).isEqualTo(1.0);
    assertThat(rig.counter("flagramp_notification_failures", "cause", "queue_full")).isEqualTo(1.0);
    assertThat(rig.events).singleElement().satisfies(e -> {
      assertThat(e.reason()).isEqualTo("NotificationFailed");
      assertThat(e.message()).isEqualTo("receiver chat: not sent: 32 messages were already waiting for this receiver");
    });
    ScalingChangeStatus amended = notifier.amend(change, change.getStatus(), false, T0);
    assertThat(amended.getNotifications().getReceivers()).singleElement().satisfies(r -> {
      assertThat(r.getFailed()).isEqualTo(1);
      assertThat(r.getLastFailure()).isEqualTo("not sent: 32 messages were already waiting for this receiver");
    });

    rig.transport.answers.clear();
    hang.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> notifier.inFlight() == 0);
    assertThat(rig.transport.posts).extracting(p -> p.json().get("sequence").asInt())
        .as("in order, and the dropped one never").containsExactlyElementsOf(IntStream.rangeClosed(1, handedOver - 1)
            .boxed().toList());
  }

  @Test
  void aNamespaceWhoseReceiversAllHangLeavesAnotherNamespacesMessagesToGoOutAtOnce() {
    // The numbers: 7 changes with 10 receivers each once took all 64 lanes of the operator.
    Notifier notifier = rig.notifier();
    for (int c = 0; c < 7; c++) {
      List<WebhookReceiver> receivers = new ArrayList<>();
      for (int r = 0; r < 10; r++) {
        String host = "hang-" + c + "-" + r + ".example";
        rig.secret("tenant-a", "hook-" + c + "-" + r, Rig.url(host), true);
        hangs(host);
        receivers.add(Rig.receiver("r" + r, "hook-" + c + "-" + r, NotifyFormat.Generic));
      }
      ScalingChange a = Rig.change(THREE_STEPS, receivers.toArray(WebhookReceiver[]::new));
      a.getMetadata().setNamespace("tenant-a");
      a.getMetadata().setName("a-" + c);
      a.getMetadata().setUid("uid-a-" + c);
      notifier.planned(a, plan(a, 1));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> rig.transport.posts.size() == Notifier.LANES_PER_NAMESPACE);

    rig.secret("tenant-b", "chat-hook", Rig.url("chat.example"), true);
    ScalingChange b = Rig.change(THREE_STEPS, Rig.receiver("chat", "chat-hook", NotifyFormat.Generic));
    b.getMetadata().setNamespace("tenant-b");
    long handed = System.nanoTime();
    notifier.planned(b, plan(b, 1));

    await().atMost(Duration.ofSeconds(10)).until(() -> rig.transport.to("chat.example").size() == 1);
    assertThat(Duration.ofNanos(System.nanoTime() - handed)).as("while all of tenant-a's receivers hang")
        .isLessThan(Duration.ofSeconds(5));
    assertThat(rig.transport.posts).as("tenant-a holds its share of the lanes, no more").hasSize(
        Notifier.LANES_PER_NAMESPACE + 1);
    assertThat(rig.counter("flagramp_notifications", "result", "dropped")).as("70 fit tenant-a's queue").isZero();
  }

  /** A plan whose status owes transition {@code sequence} to every receiver. */
  private static Plan plan(ScalingChange change, int sequence) {
    ScalingChangeStatus s = new ScalingChangeStatus();
    s.setPhase(Phase.Progressing);
    s.setReason(Reason.StepEntered);
    s.setCurrentWeight(sequence);
    NotificationStatus n = new NotificationStatus();
    n.setSequence(sequence);
    n.setEvent(NotifyEvent.stepEntered);
    n.setTransitionAt(T0.toString());
    n.setPending(new ArrayList<>(change.getSpec().getNotify().stream().map(r -> r.getName()).toList()));
    s.setNotifications(n);
    change.setStatus(s);
    return new Plan(Optional.empty(), s, Optional.empty(), Optional.empty());
  }

  @Test
  void theWebhookUrlIsInNoStatusEventOrLogLine() {
    rig.secret("ok-hook", Rig.url("ok.example"), true);
    rig.secret("failing-hook", Rig.url("failing.example"), true);
    rig.secret("unlabelled-hook", Rig.url("unlabelled.example"), false);
    rig.transport.answers.put("failing.example", url -> Transport.Attempt.failed("http_error",
        "failing.example answered HTTP 500", true));
    Notifier notifier = rig.notifier();
    Simulation sim = sim(Rig.change(THREE_STEPS, Rig.receiver("ok", "ok-hook", NotifyFormat.Slack),
        Rig.receiver("failing", "failing-hook", NotifyFormat.Generic),
        Rig.receiver("unlabelled", "unlabelled-hook", NotifyFormat.Generic)), notifier);
    List<String> seen = new ArrayList<>();

    try (CapturedLog log = new CapturedLog("io.flagramp")) {
      sim.reconcile();
      settle(sim, notifier);
      sim.annotate(Annotations.ABORT, "p99 doubled");
      reconcile(sim, notifier);
      seen.addAll(log.lines());
    }

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(rig.transport.to("ok.example")).hasSize(2);
    assertThat(rig.transport.to("failing.example")).hasSize(6);
    assertThat(rig.transport.to("unlabelled.example")).isEmpty();
    assertThat(seen).as("log lines").anySatisfy(l -> assertThat(l).contains("failing.example answered HTTP 500"));
    seen.add(Clients.serialization().asJson(sim.change.getStatus()));
    rig.events.forEach(e -> seen.add(e.reason() + " " + e.message()));
    sim.events.forEach(e -> seen.add(e.reason() + " " + e.message()));
    assertThat(rig.events).extracting(e -> e.reason()).containsExactlyInAnyOrder("NotificationFailed",
        "NotificationRefused");
    assertThat(seen).allSatisfy(line -> assertThat(line).doesNotContain(Rig.SECRET_PATH).doesNotContain("/services/")
        .doesNotContain("http://"));
  }
}
