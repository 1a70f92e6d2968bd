package io.flagramp.metrics;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The one narrow door to the metrics backend. Everything above it knows queries, values and typed
 * failures, nothing of HTTP.
 */
public interface MetricsSource {

  /**
   * Evaluates {@code query.promql()} at {@code query.at()} and returns its single value.
   *
   * @throws QueryFailure typed: unreachable, an HTTP error, bad PromQL, not one value, NaN/±Inf, empty
   */
  double query(Query query) throws QueryFailure;

  /**
   * Answers {@code query} without blocking the caller. Every call that must reach the backend goes
   * through {@code sender}, which decides where it runs (a bounded pool) and may refuse it; an answer
   * the source has without a call (another asker's evaluation, finished or still in flight) takes none
   * of the sender's room. The future fails with the {@link QueryFailure}, or with what the sender
   * refused the call with.
   */
  default CompletableFuture<Double> ask(Query query, Sender sender) {
    return sender.send(() -> query(query));
  }

  /** What a future of {@link #ask} failed with, unwrapped from the CompletionException of a later stage. */
  static Throwable cause(Throwable failure) {
    return failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
  }

  /** One blocking call to the backend. */
  @FunctionalInterface
  interface Call {
    double run() throws QueryFailure;

    /** The sender has no room for the call yet: it waits in a queue for its turn. Quick, from any thread. */
    default void queued() {}

    /** The call has its turn and runs next (after {@link #queued()}, or at once). Quick, from any thread. */
    default void started() {}
  }

  /**
   * Runs a {@link Call} somewhere it may wait, or refuses it at once with a failed future; tells the
   * call when it has to wait for its turn ({@link Call#queued()}) and when it gets it.
   */
  @FunctionalInterface
  interface Sender {
    CompletableFuture<Double> send(Call call);

    /** Runs the call on the caller's thread. */
    Sender INLINE = call -> {
      try {
        return CompletableFuture.completedFuture(call.run());
      } catch (QueryFailure | RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    };
  }
}
