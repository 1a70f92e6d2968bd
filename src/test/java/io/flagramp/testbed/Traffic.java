package io.flagramp.testbed;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load generator: real HTTP requests to an app, each from a random user id, at a steady rate (a burst
 * every 50 ms). One thread sends them one after another over a kept-alive connection, so the CPU it takes
 * stays small; a machine too busy to keep the rate sends fewer, never a flood to catch up.
 */
public final class Traffic implements AutoCloseable {

  private static final long TICK_MILLIS = 50;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor(FlagApp.daemon("traffic"));
  private final URI target;
  private final int perTick;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  private Traffic(URI target, int perSecond) {
    this.target = target;
    this.perTick = Math.max(1, (int) (perSecond * TICK_MILLIS / 1000));
  }

  /** Sends about {@code perSecond} requests a second to {@code target} until closed. */
  public static Traffic start(URI target, int perSecond) {
    Traffic traffic = new Traffic(target, perSecond);
    // With a fixed delay a slow tick is not followed by a burst of the ticks it missed.
    traffic.ticks.scheduleWithFixedDelay(traffic::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
    return traffic;
  }

  private void tick() {
    for (int i = 0; i < perTick; i++) {
      String user = "user-" + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
      try {
        http.send(HttpRequest.newBuilder(URI.create(target + "?user=" + user)).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding());
        sent.incrementAndGet();
      } catch (IOException e) {
        failed.incrementAndGet();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Requests answered (with any status) so far. */
  public long sent() {
    return sent.get();
  }

  /** Requests that got no answer. */
  public long unanswered() {
    return failed.get();
  }

  @Override
  public void close() {
    ticks.shutdownNow();
  }
}
