package io.flagramp.notify;

import java.time.Instant;
import java.util.Locale;

/**
 * What became of one message to one receiver. Its words name the receiver and at most the host of its
 * URL, never the URL.
 *
 * <p>What the change's author reads ({@code message}, in status and Events) never tells how the
 * receiver's address answered (an HTTP status, a refused connection, a timeout, TLS): the author
 * chooses the URL, and those answers would tell them which ports of an allowed host are open. The
 * operator's log ({@code detail}) and the {@code cause} label on /metrics, which are the operators',
 * say which.
 *
 * @param receiver the receiver's name
 * @param sequence the transition the message was about
 * @param result how it ended
 * @param cause why it was not sent (a metric label), null when sent
 * @param message one line for status and the Event: what happened, and where (the host)
 * @param detail one line for the log: the message, and where it holds back how the address answered,
 *     that too, and after how many attempts
 * @param at when it ended
 */
public record Outcome(String receiver, int sequence, Result result, String cause, String message, String detail,
    Instant at) {

  /** One whose message holds nothing back: the log says the same. */
  public Outcome(String receiver, int sequence, Result result, String cause, String message, Instant at) {
    this(receiver, sequence, result, cause, message, message, at);
  }

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
