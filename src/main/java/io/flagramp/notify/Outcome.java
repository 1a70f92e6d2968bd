package io.flagramp.notify;

import java.time.Instant;
import java.util.Locale;

/**
 * What became of one message to one receiver. Its words name the receiver and at most the host of its
 * URL, never the URL.
 *
 * @param receiver the receiver's name
 * @param sequence the transition the message was about
 * @param result how it ended
 * @param cause why it was not sent (a metric label), null when sent
 * @param message one line for status, the Event and the log: what happened, where, after how many attempts
 * @param at when it ended
 */
public record Outcome(String receiver, int sequence, Result result, String cause, String message, Instant at) {

  public enum Result {
    /** The receiver answered 2xx. */
    Sent,
    /** Every attempt failed, or one failed in a way a retry cannot fix. */
    Failed,
    /** Never sent: the Secret is not opted in, or the address is not allowed. */
    Refused,
    /** Never sent: too many messages were waiting. */
    Dropped;

    /** The value of the metric's {@code result} label. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public boolean delivered() {
    return result == Result.Sent;
  }
}
