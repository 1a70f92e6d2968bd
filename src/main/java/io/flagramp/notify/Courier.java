package io.flagramp.notify;

import io.flagramp.api.v1alpha1.WebhookSecretReference;
import java.time.Clock;
import java.time.Duration;
import okhttp3.HttpUrl;

/**
 * Carries one message to one receiver, on that receiver's lane: finds its URL (refusing what was not
 * agreed to), then up to {@link Policy#attempts()} POSTs, waiting {@link Policy#firstBackoff()} after
 * the first failure and twice as long after each next one. An answer a retry cannot change (a 4xx, a
 * redirect, TLS) ends it at once. A failure is told to the author in the same words whatever the
 * address answered ({@link Outcome}).
 */
final class Courier {

  /** A failed delivery as its author reads it, around the host. */
  static final String NOT_DELIVERED = "not delivered to ";
  static final String NOT_DELIVERED_WHY = " (the operator's log says why)";

  /** Waits between attempts; a test's never waits. */
  interface Pause {
    void pause(Duration duration) throws InterruptedException;

    Pause SLEEP = d -> Thread.sleep(d.toMillis());
  }

  /**
   * How hard to try, and how long one message may hold its lane: at most {@code attempts × timeout}
   * plus the backoffs (3 × 5s + 1s + 2s = 18s by default).
   *
   * @param attempts POSTs per message, at least 1
   * @param timeout each POST, connect to last byte
   * @param firstBackoff the wait after the first failed attempt; doubled after each next one
   */
  record Policy(int attempts, Duration timeout, Duration firstBackoff) {

    static final Policy DEFAULT = new Policy(3, Duration.ofSeconds(5), Duration.ofSeconds(1));

    Policy {
      if (attempts < 1) {
        throw new IllegalArgumentException("at least one attempt, got " + attempts);
      }
    }

    Duration backoffAfter(int attempt) {
      return firstBackoff.multipliedBy(1L << Math.min(attempt - 1, 20));
    }
  }

  /** One message: to whom, about which transition, and its body. */
  record Message(String namespace, String receiver, WebhookSecretReference secretRef, int sequence, byte[] body) {}

  private final ReceiverAddress addresses;
  private final Transport transport;
  private final Policy policy;
  private final Pause pause;
  private final Clock clock;

  Courier(ReceiverAddress addresses, Transport transport, Policy policy, Pause pause, Clock clock) {
    this.addresses = addresses;
    this.transport = transport;
    this.policy = policy;
    this.pause = pause;
    this.clock = clock;
  }

  Outcome deliver(Message m) {
    ReceiverAddress.Resolution where = addresses.resolve(m.namespace(), m.secretRef());
    if (where.refusal().isPresent()) {
      ReceiverAddress.Refusal no = where.refusal().get();
      return new Outcome(m.receiver(), m.sequence(), no.result(), no.cause(), no.message(), clock.instant());
    }
    HttpUrl url = where.url().orElseThrow();
    for (int attempt = 1; ; attempt++) {
      Transport.Attempt tried = transport.post(url, m.body());
      if (tried.delivered()) {
        return new Outcome(m.receiver(), m.sequence(), Outcome.Result.Sent, null,
            "sent to " + url.host() + " (attempt " + attempt + ")", clock.instant());
      }
      if (!tried.retryable() || attempt >= policy.attempts()) {
        String tries = tried.retryable() ? " (gave up after " + attempt + " attempts)"
            : " (attempt " + attempt + ", not retried)";
        // The same words however the address answered: what answered at which port is not the author's to learn.
        return new Outcome(m.receiver(), m.sequence(), Outcome.Result.Failed, tried.cause(),
            NOT_DELIVERED + url.host() + NOT_DELIVERED_WHY, tried.message() + tries, clock.instant());
      }
      try {
        pause.pause(policy.backoffAfter(attempt));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Outcome(m.receiver(), m.sequence(), Outcome.Result.Failed, "interrupted",
            tried.message() + " (attempt " + attempt + ", the operator is stopping)", clock.instant());
      }
    }
  }
}
