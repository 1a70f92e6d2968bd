package io.flagramp.notify;

import io.flagramp.core.Durations;
import io.flagramp.metrics.GuardedDns;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import javax.net.ssl.SSLException;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * {@link Transport} over OkHttp, hardened as the Prometheus client is: the URL comes from a Secret an
 * author names, so no redirect is followed (a 3xx is a failure saying so), no reply body is read or
 * quoted, each attempt is bounded by a short timeout as a whole and in each phase, and OkHttp's own
 * silent retry on a failed connection is off, so the attempts made are exactly those counted.
 */
public final class HttpTransport implements Transport {

  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  private final OkHttpClient client;
  private final Duration timeout;

  public HttpTransport(Duration timeout) {
    this(new OkHttpClient(), timeout);
  }

  public HttpTransport(OkHttpClient base, Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      // OkHttp reads zero as "no timeout": a receiver that never answers would hold its lane forever.
      throw new IllegalArgumentException("a webhook timeout must be positive, got " + timeout);
    }
    this.timeout = timeout;
    this.client = base.newBuilder()
        .followRedirects(false)
        .followSslRedirects(false)
        .retryOnConnectionFailure(false)
        .callTimeout(timeout)
        .connectTimeout(timeout)
        .readTimeout(timeout)
        .writeTimeout(timeout)
        .build();
  }

  @Override
  public Attempt post(HttpUrl url, byte[] json) {
    Request request = new Request.Builder().url(url).post(RequestBody.create(json, JSON))
        .header("User-Agent", "flagramp").build();
    String host = url.host();
    try (Response response = client.newCall(request).execute()) {
      // Closed unread: what a receiver answers is nobody's concern here, and may echo anything.
      int code = response.code();
      if (code >= 200 && code < 300) {
        return Attempt.ok();
      }
      if (code >= 300 && code < 400) {
        return Attempt.failed("redirect", host + " answered HTTP " + code + ", a redirect, which is not followed",
            false);
      }
      boolean retryable = code == 408 || code == 429 || code >= 500;
      return Attempt.failed("http_error", host + " answered HTTP " + code, retryable);
    } catch (GuardedDns.Refused e) {
      return Attempt.failed("not_allowed", e.getMessage(), false);
    } catch (InterruptedIOException e) {
      return Attempt.failed("timeout", host + " did not answer within " + Durations.format(timeout), true);
    } catch (SSLException e) {
      // Neither the message nor the cause: only that it was TLS, which another attempt will not change.
      return Attempt.failed("tls", host + " unreachable: TLS failure", false);
    } catch (IOException e) {
      return Attempt.failed("unreachable", host + " unreachable (" + e.getClass().getSimpleName() + ")", true);
    } catch (RuntimeException e) {
      return Attempt.failed("unreachable", host + " not sent (" + e.getClass().getSimpleName() + ")", false);
    }
  }
}
