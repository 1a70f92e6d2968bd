package io.flagramp.notify;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.flagramp.api.v1alpha1.WebhookSecretReference;
import io.flagramp.core.AddressAllowlist;
import io.flagramp.operator.OperatorSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One message to one receiver: where it may go, how often it is tried, and what is said of it. */
class CourierTest {

  private final Rig rig = new Rig();
  private final byte[] body = "{}".getBytes(StandardCharsets.UTF_8);

  private Outcome deliver(String secret) {
    return deliver(secret, AddressAllowlist.any());
  }

  private Outcome deliver(String secret, AddressAllowlist allowlist) {
    return rig.courier(allowlist).deliver(new Courier.Message(Rig.NAMESPACE, "chat",
        new WebhookSecretReference(secret, null), 7, body));
  }

  @Test
  void retriesStopAtThreeAttemptsWithOneAndTwoSecondsBetween() {
    rig.secret("hook", Rig.url("chat.example"), true);
    rig.transport.answers.put("chat.example", url -> Transport.Attempt.failed("http_error",
        "chat.example answered HTTP 500", true));

    Outcome outcome = deliver("hook");

    assertThat(rig.transport.posts).hasSize(3);
    assertThat(rig.pauses).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
    assertThat(outcome.result()).isEqualTo(Outcome.Result.Failed);
    assertThat(outcome.cause()).isEqualTo("http_error");
    assertThat(outcome.message()).isEqualTo("not delivered to chat.example (the operator's log says why)");
    assertThat(outcome.detail()).isEqualTo("chat.example answered HTTP 500 (gave up after 3 attempts)");
    assertThat(outcome.sequence()).isEqualTo(7);
  }

  @Test
  void anAnswerARetryCannotChangeIsNotRetried() {
    rig.secret("hook", Rig.url("chat.example"), true);
    rig.transport.answers.put("chat.example", url -> Transport.Attempt.failed("http_error",
        "chat.example answered HTTP 404", false));

    Outcome outcome = deliver("hook");

    assertThat(rig.transport.posts).hasSize(1);
    assertThat(rig.pauses).isEmpty();
    assertThat(outcome.detail()).isEqualTo("chat.example answered HTTP 404 (attempt 1, not retried)");
  }

  @Test
  void theAuthorIsToldTheSameHoweverTheAddressAnsweredSoNoFailureMapsWhichPortsAreOpen() {
    Map<String, Transport.Attempt> answers = Map.of(
        "closed.example", Transport.Attempt.failed("unreachable", "closed.example unreachable (ConnectException)",
            true),
        "filtered.example", Transport.Attempt.failed("timeout", "filtered.example did not answer within 5s", true),
        "web.example", Transport.Attempt.failed("http_error", "web.example answered HTTP 404", false),
        "busy.example", Transport.Attempt.failed("http_error", "busy.example answered HTTP 503", true),
        "ssh.example", Transport.Attempt.failed("unreachable", "ssh.example unreachable (IOException)", true),
        "tls.example", Transport.Attempt.failed("tls", "tls.example unreachable: TLS failure", false),
        "moved.example", Transport.Attempt.failed("redirect", "moved.example answered HTTP 302, a redirect, which is"
            + " not followed", false));
    answers.forEach((host, answer) -> {
      rig.secret(host, Rig.url(host), true);
      rig.transport.answers.put(host, url -> answer);
    });

    Map<String, Outcome> outcomes = new java.util.TreeMap<>();
    answers.keySet().forEach(host -> outcomes.put(host, deliver(host)));

    assertThat(outcomes).allSatisfy((host, o) -> {
      assertThat(o.message()).as("status and Event").isEqualTo("not delivered to " + host
          + " (the operator's log says why)");
      assertThat(o.detail()).as("the log").startsWith(answers.get(host).message());
    });
    assertThat(outcomes.values().stream().map(Outcome::cause).distinct()).as("/metrics tells them apart").hasSize(5);
  }

  @Test
  void aFailureThenASuccessIsSentOnTheSecondAttempt() {
    rig.secret("hook", Rig.url("chat.example"), true);
    rig.transport.answers.put("chat.example", url -> rig.transport.posts.size() == 1
        ? Transport.Attempt.failed("timeout", "chat.example did not answer within 5s", true)
        : Transport.Attempt.ok());

    Outcome outcome = deliver("hook");

    assertThat(rig.transport.posts).hasSize(2);
    assertThat(outcome.result()).isEqualTo(Outcome.Result.Sent);
    assertThat(outcome.message()).isEqualTo("sent to chat.example (attempt 2)");
  }

  @Test
  void aSecretWithoutTheOptInLabelIsNeverSentTo() {
    rig.secret("hook", Rig.url("chat.example"), false);

    Outcome outcome = deliver("hook");

    assertThat(rig.transport.posts).isEmpty();
    assertThat(outcome.result()).isEqualTo(Outcome.Result.Refused);
    assertThat(outcome.cause()).isEqualTo("secret_not_opted_in");
    assertThat(outcome.message()).isEqualTo("Secret hook does not carry the label flagramp.io/notifications=true:"
        + " nothing was sent (if its owner agrees: kubectl label secret hook flagramp.io/notifications=true)");
  }

  @Test
  void aServiceAccountTokenIsNeverSentToEvenWithTheLabel() {
    rig.secret("hook", Rig.url("chat.example"), true);
    Secret token = new SecretBuilder(rig.secrets.get("social/hook")).withType("kubernetes.io/service-account-token")
        .build();
    rig.secrets.put("social/hook", token);

    Outcome outcome = deliver("hook");

    assertThat(rig.transport.posts).isEmpty();
    assertThat(outcome.result()).isEqualTo(Outcome.Result.Refused);
    assertThat(outcome.message()).contains("service-account token");
  }

  @Test
  void anAddressOutsideTheAllowlistIsNeverSentToAndOnlyItsHostIsNamed() {
    rig.secret("hook", Rig.url("10.0.0.1"), true);

    Outcome outcome = deliver("hook", AddressAllowlist.parse("hooks.slack.com"));

    assertThat(rig.transport.posts).isEmpty();
    assertThat(outcome.result()).isEqualTo(Outcome.Result.Refused);
    assertThat(outcome.cause()).isEqualTo("not_allowed");
    assertThat(outcome.message()).isEqualTo("Secret hook points at host 10.0.0.1, which FLAGRAMP_WEBHOOK_ALLOWLIST"
        + " does not allow: nothing was sent (the operator's administrators can add it to FLAGRAMP_WEBHOOK_ALLOWLIST,"
        + " Helm value webhookAllowlist)");
  }

  @Test
  void byDefaultTheMetadataServiceIsRefusedAndNeverThroughAPattern() {
    rig.secret("hook", "http://169.254.169.254/latest/meta-data/iam/", true);
    rig.secret("loop", "http://0x7f.1:8080/admin", true);

    Outcome byDefault = deliver("hook", OperatorSettings.defaults().webhookAllowlist());
    Outcome pattern = deliver("loop", AddressAllowlist.parse("*.example.com, *.0.1.example"));
    Outcome named = deliver("loop", AddressAllowlist.parse("http://127.0.0.1:8080"));

    assertThat(rig.transport.posts).singleElement().extracting(p -> p.url().toString())
        .as("sent only where named, and to the address as checked").isEqualTo("http://127.0.0.1:8080/admin");
    assertThat(List.of(byDefault, pattern)).extracting(Outcome::result)
        .containsExactly(Outcome.Result.Refused, Outcome.Result.Refused);
    assertThat(byDefault.message()).isEqualTo("Secret hook points at host 169.254.169.254, which"
        + " FLAGRAMP_WEBHOOK_ALLOWLIST does not allow (a loopback or link-local address, which only an entry naming"
        + " that host itself allows): nothing was sent (the operator's administrators can add it to"
        + " FLAGRAMP_WEBHOOK_ALLOWLIST, Helm value webhookAllowlist)");
    assertThat(pattern.message()).startsWith("Secret loop points at host 127.0.0.1, which FLAGRAMP_WEBHOOK_ALLOWLIST"
        + " does not allow (a loopback or link-local address");
    assertThat(named.result()).isEqualTo(Outcome.Result.Sent);
  }

  @Test
  void anAddressInTheAllowlistIsSentTo() {
    rig.secret("hook", Rig.url("hooks.slack.com"), true);

    Outcome outcome = deliver("hook", AddressAllowlist.parse("http://hooks.slack.com:8080/services/"));

    assertThat(outcome.result()).isEqualTo(Outcome.Result.Sent);
    assertThat(rig.transport.posts).singleElement().extracting(p -> p.url().toString())
        .isEqualTo(Rig.url("hooks.slack.com"));
  }

  @Test
  void aMissingSecretKeyOrAValueThatIsNoUrlFailsWithoutQuotingTheValue() {
    rig.secret("hook", "hooks.slack.com/services/" + Rig.SECRET_PATH, true);
    Outcome notAUrl = deliver("hook");
    Outcome noSecret = deliver("absent");
    Outcome noKey = rig.courier(AddressAllowlist.any()).deliver(new Courier.Message(Rig.NAMESPACE, "chat",
        new WebhookSecretReference("hook", "webhook"), 1, body));

    assertThat(rig.transport.posts).isEmpty();
    assertThat(List.of(notAUrl, noSecret, noKey)).extracting(Outcome::cause)
        .containsExactly("bad_url", "secret_not_found", "secret_key_missing");
    assertThat(notAUrl.message()).isEqualTo("the value of key url in Secret hook is not an http(s) URL the operator"
        + " can send to: it does not begin with http:// or https://");
    assertThat(noKey.message()).isEqualTo("Secret hook has no key webhook");
    assertThat(List.of(notAUrl, noSecret, noKey)).allSatisfy(o -> assertThat(o.message()).doesNotContain("s3cr3t"));
  }

  @Test
  void noOutcomeNamesTheUrl() {
    rig.secret("ok", Rig.url("a.example"), true);
    rig.secret("failing", Rig.url("b.example"), true);
    rig.secret("refused", Rig.url("c.example"), false);
    rig.transport.answers.put("b.example", url -> Transport.Attempt.failed("redirect",
        "b.example answered HTTP 302, a redirect, which is not followed", false));

    List<Outcome> outcomes = List.of(deliver("ok"), deliver("failing"), deliver("refused"),
        deliver("ok", AddressAllowlist.parse("d.example")));

    assertThat(outcomes).extracting(Outcome::result).containsExactly(Outcome.Result.Sent, Outcome.Result.Failed,
        Outcome.Result.Refused, Outcome.Result.Refused);
    assertThat(outcomes).allSatisfy(o -> assertThat(o.message() + " " + o.detail()).doesNotContain(Rig.SECRET_PATH)
        .doesNotContain("/services/").doesNotContain("http://"));
  }
}
