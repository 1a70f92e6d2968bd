package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shares on their own: what runs, what waits, who is turned away and who goes next, with work
 * that holds its thread until released.
 */
class FairSharesTest {

  /** 4 at once in all, 2 per namespace, 3 per key; 3 waiting per namespace and per key. */
  private final FairShares shares = new FairShares(new FairShares.Limits(4, 2, 3, 3, 3, "shares-test-",
      "namespace full", "key full"));
  private final CountDownLatch release = new CountDownLatch(1);
  private final List<String> ran = new CopyOnWriteArrayList<>();

  @AfterEach
  void releaseAll() {
    release.countDown();
  }

  private Supplier<String> held(String name) {
    return () -> {
      ran.add(name);
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return name;
    };
  }

  @Test
  void aNamespaceAtItsShareWaitsWhileAnotherStartsAtOnce() {
    List<CompletableFuture<String>> a = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      a.add(shares.submit("a", "prometheus-1", held("a" + i)));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 2);
    assertThat(shares.waiting("a")).isEqualTo(3);
    assertThatThrownBy(() -> shares.submit("a", "prometheus-2", held("a-more")).join())
        .hasCauseInstanceOf(FairShares.Refused.class).hasMessageContaining("namespace full");

    CompletableFuture<String> b = shares.submit("b", "prometheus-1", () -> "b");

    assertThat(b.join()).isEqualTo("b");
    assertThat(ran).containsExactlyInAnyOrder("a0", "a1");
  }

  @Test
  void oneKeyIsAskedAtMostItsLimitFromAllNamespacesAndTheRestWaitsItsTurn() {
    shares.submit("a", "prometheus-1", held("a0"));
    shares.submit("a", "prometheus-1", held("a1"));
    shares.submit("b", "prometheus-1", held("b0"));
    CompletableFuture<String> fourth = shares.submit("b", "prometheus-1", held("b1"));
    CompletableFuture<String> elsewhere = shares.submit("c", "prometheus-2", () -> "c");

    await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 3);
    assertThat(shares.running("prometheus-1")).isEqualTo(3);
    assertThat(fourth).isNotDone();
    assertThat(elsewhere.join()).isEqualTo("c");
    release.countDown();
    assertThat(fourth.join()).isEqualTo("b1");
  }

  @Test
  void whenAThreadFreesUpTheNamespacesTakeTurnsNotTheOneWithTheLongestQueue() throws Exception {
    FairShares one = new FairShares(new FairShares.Limits(1, 1, 10, 100, 100, "shares-test-", "full", "full"));
    CountDownLatch first = new CountDownLatch(1);
    List<String> order = new CopyOnWriteArrayList<>();
    one.submit("blocker", "k", () -> {
      try {
        first.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "";
    });
    List<CompletableFuture<Boolean>> all = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String name = "a" + i;
      all.add(one.submit("a", "k", () -> order.add(name)));
    }
    all.add(one.submit("b", "k", () -> order.add("b0")));
    all.add(one.submit("c", "k", () -> order.add("c0")));
    all.add(one.submit("b", "k", () -> order.add("b1")));

    first.countDown();
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

    assertThat(order).containsExactly("a0", "b0", "c0", "a1", "b1", "a2", "a3", "a4");
  }

  @Test
  void aLaneOfOneKeepsItsOrderAndAFullKeyQueueIsToldApartFromAFullNamespace() {
    FairShares lanes = new FairShares(new FairShares.Limits(8, 8, 1, 100, 2, "shares-test-", "namespace full",
        "lane full"));
    List<String> queued = new CopyOnWriteArrayList<>();
    List<String> started = new CopyOnWriteArrayList<>();
    List<CompletableFuture<String>> sent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String name = "m" + i;
      sent.add(lanes.submit("a", "hook", held(name), () -> queued.add(name), () -> started.add(name)));
    }
    CompletableFuture<String> overflow = lanes.submit("a", "hook", held("m3"), (full, why) -> full + ": " + why);

    assertThat(overflow.join()).isEqualTo("KEY: lane full");
    assertThat(queued).containsExactly("m1", "m2");
    assertThat(started).containsExactly("m0");
    release.countDown();
    assertThat(sent.stream().map(CompletableFuture::join).toList()).containsExactly("m0", "m1", "m2");
    assertThat(started).containsExactly("m0", "m1", "m2");
    assertThat(ran).containsExactly("m0", "m1", "m2");
  }

  @Test
  void workForAFreeKeyStartsThoughItsNamespaceHasWorkWaitingForABusyOne() {
    FairShares lanes = new FairShares(new FairShares.Limits(8, 8, 1, 100, 10, "shares-test-", "full", "full"));
    lanes.submit("a", "hanging-hook", held("h0"));
    CompletableFuture<String> behind = lanes.submit("a", "hanging-hook", held("h1"));

    assertThat(lanes.submit("a", "other-hook", () -> "sent").join()).isEqualTo("sent");
    assertThat(behind).isNotDone();
  }

  @Test
  void aFailureIsTheFuturesAndFreesItsRoom() {
    FairShares small = new FairShares(new FairShares.Limits(1, 1, 1, 0, 0, "shares-test-", "full", "full"));

    CompletableFuture<String> failed = small.submit("a", "k", () -> {
      throw new IllegalStateException("broken");
    });

    assertThatThrownBy(failed::join).hasRootCauseMessage("broken");
    await().atMost(Duration.ofSeconds(10)).until(() -> small.running() == 0);
    assertThat(small.submit("a", "k", () -> "again").join()).isEqualTo("again");
  }
}
