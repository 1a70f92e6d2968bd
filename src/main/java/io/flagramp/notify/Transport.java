package io.flagramp.notify;

import okhttp3.HttpUrl;

/** Sends one message once: the one door to HTTP, so everything above it can be tested without a server. */
public interface Transport {

  /**
   * One POST of {@code json} to {@code url}. Never throws, and says nothing the receiver sent back.
   */
  Attempt post(HttpUrl url, byte[] json);

  /**
   * How one POST went.
   *
   * @param delivered the receiver answered 2xx
   * @param retryable another attempt may go better (a timeout, a refused connection, 5xx, 408, 429)
   * @param cause why not, as a metric label: timeout, unreachable, tls, redirect, http_error
   * @param message why not, in words that name at most the host
   */
  record Attempt(boolean delivered, boolean retryable, String cause, String message) {

    public static Attempt ok() {
      return new Attempt(true, false, null, null);
    }

    public static Attempt failed(String cause, String message, boolean retryable) {
      return new Attempt(false, retryable, cause, message);
    }
  }
}
