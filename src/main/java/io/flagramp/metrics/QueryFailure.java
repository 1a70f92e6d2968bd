package io.flagramp.metrics;

/**
 * Why a query gave no usable value. One subclass per cause, each with a message fit for a status
 * line. {@link #isNoData()} separates "the data is not there" (an empty result, NaN, ±Inf), which
 * {@code onNoData} governs, from "the provider failed", which counts toward
 * {@code onProviderError.consecutiveErrorLimit}.
 */
public abstract sealed class QueryFailure extends Exception {

  protected QueryFailure(String message, Throwable cause) {
    super(message, cause);
  }

  /** True for an empty result and for NaN or ±Inf. */
  public boolean isNoData() {
    return false;
  }

  /** Connection refused, DNS failure, TLS failure or timeout: no answer from Prometheus. */
  public static final class Unreachable extends QueryFailure {
    public Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** An HTTP answer other than 2xx: a redirect (never followed), a 4xx or a 5xx. */
  public static final class HttpError extends QueryFailure {
    private final int status;

    public HttpError(int status, String message) {
      super(message, null);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  /** Prometheus rejected the expression (errorType bad_data). */
  public static final class BadQuery extends QueryFailure {
    public BadQuery(String message) {
      super(message, null);
    }
  }

  /** Not one scalar or one single-element vector: a matrix, a string, or several series. */
  public static final class NotASingleValue extends QueryFailure {
    private final int series;

    public NotASingleValue(int series, String message) {
      super(message, null);
      this.series = series;
    }

    /**
     * How many series came back (0 when the result is not a vector at all), counted to one past
     * {@link PrometheusAnswer#MAX_SERIES}: an answer is not read further.
     */
    public int series() {
      return series;
    }
  }

  /** The value is NaN, +Inf or -Inf (0/0, x/0): no usable data. */
  public static final class NotANumber extends QueryFailure {
    public NotANumber(String message) {
      super(message, null);
    }

    @Override
    public boolean isNoData() {
      return true;
    }
  }

  /** An empty vector: no series matched. */
  public static final class EmptyResult extends QueryFailure {
    public EmptyResult(String message) {
      super(message, null);
    }

    @Override
    public boolean isNoData() {
      return true;
    }
  }

  /** The answer was not the JSON Prometheus sends (a proxy's HTML page, a truncated body). */
  public static final class UnreadableAnswer extends QueryFailure {
    public UnreadableAnswer(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
