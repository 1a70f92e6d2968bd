package io.flagramp.notify;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.testbed.WebhookStub;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The OkHttp transport against webhook stand-ins on loopback: what each answer is taken for, that it
 * makes exactly the one request it is asked for, follows no redirect, quotes no reply, and names the
 * host, never the URL.
 */
class WebhookTransportIT {

  private static final String SECRET = "/services/T0001/B0002/s3cr3t-4b7e";
  private static final String MARKER = "reply-marker-91c3";

  private final WebhookStub stub = new WebhookStub();
  private final HttpTransport transport = new HttpTransport(Duration.ofMillis(800));
  private final byte[] json = "{\"text\":\"hello\"}".getBytes(StandardCharsets.UTF_8);

  @AfterEach
  void stop() {
    stub.close();
  }

  private static HttpUrl url(String url) {
    return HttpUrl.get(url);
  }

  @Test
  void a2xxIsDeliveredWithTheJsonBodyInOneRequest() {
    Transport.Attempt attempt = transport.post(url(stub.ok(SECRET)), json);

    assertThat(attempt.delivered()).isTrue();
    assertThat(stub.to(SECRET)).singleElement().extracting(WebhookStub.Received::body)
        .isEqualTo("{\"text\":\"hello\"}");
  }

  @Test
  void aServerErrorIsRetryableAndItsReplyIsNotQuoted() {
    Transport.Attempt attempt = transport.post(url(stub.answering(SECRET, 500, MARKER)), json);

    assertThat(attempt.delivered()).isFalse();
    assertThat(attempt.retryable()).isTrue();
    assertThat(attempt.cause()).isEqualTo("http_error");
    assertThat(attempt.message()).isEqualTo("127.0.0.1 answered HTTP 500");
    assertThat(stub.to(SECRET)).hasSize(1);
  }

  @Test
  void aClientErrorIsNotRetryable() {
    Transport.Attempt attempt = transport.post(url(stub.answering(SECRET, 404, MARKER)), json);

    assertThat(attempt.retryable()).isFalse();
    assertThat(attempt.message()).isEqualTo("127.0.0.1 answered HTTP 404");
  }

  @Test
  void aRedirectIsNotFollowedNorRetried() {
    String target = stub.ok("/elsewhere");

    Transport.Attempt attempt = transport.post(url(stub.redirecting(SECRET, target)), json);

    assertThat(attempt.cause()).isEqualTo("redirect");
    assertThat(attempt.retryable()).isFalse();
    assertThat(attempt.message()).isEqualTo("127.0.0.1 answered HTTP 302, a redirect, which is not followed");
    assertThat(stub.to("/elsewhere")).isEmpty();
  }

  @Test
  void aReceiverThatNeverAnswersTimesOutWithinTheTimeoutAfterOneRequest() {
    long started = System.nanoTime();

    Transport.Attempt attempt = transport.post(url(stub.hanging(SECRET)), json);

    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(attempt.cause()).isEqualTo("timeout");
    assertThat(attempt.retryable()).isTrue();
    assertThat(attempt.message()).isEqualTo("127.0.0.1 did not answer within 800ms");
    assertThat(took).isLessThan(Duration.ofSeconds(3));
    assertThat(stub.to(SECRET)).as("OkHttp's own retry is off").hasSize(1);
  }

  @Test
  void aClosedPortIsUnreachableAndRetryable() {
    String url = stub.base() + SECRET;
    stub.close();

    Transport.Attempt attempt = transport.post(url(url), json);

    assertThat(attempt.cause()).isEqualTo("unreachable");
    assertThat(attempt.retryable()).isTrue();
    assertThat(attempt.message()).startsWith("127.0.0.1 unreachable (");
  }

  @Test
  void noAnswerNamesThePathOrQuotesTheReply() {
    List<Transport.Attempt> attempts = List.of(
        transport.post(url(stub.answering(SECRET, 503, MARKER)), json),
        transport.post(url(stub.redirecting(SECRET + "/r", stub.base() + "/" + MARKER)), json),
        transport.post(url(stub.hanging(SECRET + "/h")), json));

    assertThat(attempts).allSatisfy(a -> assertThat(a.message()).doesNotContain("s3cr3t").doesNotContain(MARKER)
        .doesNotContain("/services"));
  }
}
