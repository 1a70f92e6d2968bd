package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.Notice;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

class EventRecorderTest {

  @Test
  void eventTimesStrictlyIncreaseEvenWhenTheClockDoesNot() {
    Instant t = Instant.parse("2026-11-26T02:00:00.123456789Z");
    EventRecorder recorder = new EventRecorder(null, Clock.fixed(t, ZoneOffset.UTC), "it");

    Instant first = recorder.next();
    Instant second = recorder.next();
    Instant third = recorder.next();

    assertThat(first).isEqualTo(t.truncatedTo(ChronoUnit.MICROS));
    assertThat(second).isEqualTo(first.plus(1, ChronoUnit.MICROS));
    assertThat(third).isEqualTo(second.plus(1, ChronoUnit.MICROS));
  }

  /** A step's Event never holds up its writes; a revert's Warning goes before the steps' queued Events. */
  @Test
  void queuedWarningsAreSentBeforeQueuedNormalEvents() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<String> sent = new CopyOnWriteArrayList<>();
    ExecutorService threads = Executors.newFixedThreadPool(1);
    EventRecorder recorder = new EventRecorder(null, Clock.systemUTC(), "it", e -> {
      hold(release);
      sent.add(e.getReason());
    }, threads, 100, 100);
    try {
      recorder.record(change(), Notice.normal("StepEntered", "first"));
      await().until(() -> recorder.waiting() == 0);
      for (int i = 0; i < 3; i++) {
        recorder.record(change(), Notice.normal("StepEntered", "step " + i));
      }
      recorder.record(change(), Notice.warning("RolledBack", "reverted"));
      assertThat(sent).as("nothing sent while the API server holds the first").isEmpty();
      release.countDown();
      assertThat(recorder.flush(Duration.ofSeconds(10))).isTrue();
      // The first was being sent already; of those waiting, the Warning goes first.
      assertThat(sent).containsExactly("StepEntered", "RolledBack", "StepEntered", "StepEntered", "StepEntered");
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void aFullQueueDropsItsOldestNormalEventNotAWarning() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<String> sent = new CopyOnWriteArrayList<>();
    ExecutorService threads = Executors.newFixedThreadPool(1);
    EventRecorder recorder = new EventRecorder(null, Clock.systemUTC(), "it", e -> {
      hold(release);
      sent.add(e.getNote());
    }, threads, 3, 3);
    try {
      recorder.record(change(), Notice.normal("StepEntered", "in flight"));
      await().until(() -> recorder.waiting() == 0);
      recorder.record(change(), Notice.warning("RolledBack", "w1"));
      recorder.record(change(), Notice.normal("StepEntered", "n1"));
      recorder.record(change(), Notice.normal("StepEntered", "n2"));
      recorder.record(change(), Notice.normal("StepEntered", "n3"));
      recorder.record(change(), Notice.warning("RolledBack", "w2"));
      release.countDown();
      assertThat(recorder.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(sent).containsExactly("in flight", "w1", "w2", "n3");
    } finally {
      threads.shutdownNow();
    }
  }

  private static ScalingChange change() {
    ScalingChange sc = new ScalingChange();
    sc.getMetadata().setNamespace("team");
    sc.getMetadata().setName("use-redis");
    sc.getMetadata().setUid("u1");
    return sc;
  }

  private static void hold(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One tenant's flood of Events does not hold up another's: the namespaces take turns. */
  @Test
  void aNamespaceFloodingEventsDelaysAnotherByOneEventAtMost() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<String> sent = new CopyOnWriteArrayList<>();
    ExecutorService threads = Executors.newFixedThreadPool(1);
    EventRecorder recorder = new EventRecorder(null, Clock.systemUTC(), "it", e -> {
      hold(release);
      sent.add(e.getMetadata().getNamespace() + " " + e.getNote());
    }, threads, 100, 10);
    try {
      recorder.record(change("noisy"), Notice.normal("StepEntered", "in flight"));
      await().until(() -> recorder.waiting() == 0);
      for (int i = 0; i < 30; i++) {
        recorder.record(change("noisy"), Notice.normal("StepEntered", "n" + i));
      }
      recorder.record(change("quiet"), Notice.normal("StepEntered", "q"));
      release.countDown();
      assertThat(recorder.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(sent.subList(0, 3)).containsExactly("noisy in flight", "noisy n20", "quiet q");
      assertThat(sent).as("noisy kept its newest 10, the oldest Normal ones dropped").hasSize(12)
          .endsWith("noisy n29");
    } finally {
      threads.shutdownNow();
    }
  }

  private static ScalingChange change(String namespace) {
    ScalingChange sc = change();
    sc.getMetadata().setNamespace(namespace);
    return sc;
  }
}
