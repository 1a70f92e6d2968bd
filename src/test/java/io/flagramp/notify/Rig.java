package io.flagramp.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.NotifyEvent;
import io.flagramp.api.v1alpha1.NotifyFormat;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.api.v1alpha1.WebhookReceiver;
import io.flagramp.api.v1alpha1.WebhookSecretReference;
import io.flagramp.core.AddressAllowlist;
import io.flagramp.core.Notice;
import io.flagramp.core.OptIn;
import io.flagramp.demo.Simulation;
import io.flagramp.operator.OperatorMetrics;
import io.flagramp.testbed.Counters;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import okhttp3.HttpUrl;

/**
 * A notifier with fakes around it: Secrets in a map, a transport that records each POST and answers as
 * told (per host), pauses that are recorded instead of waited, Events and wake-ups in lists, and the
 * real operator metrics in a registry of their own.
 */
final class Rig {

  static final String NAMESPACE = "social";
  /** The secret part of every webhook URL here: it must never appear anywhere but in the request. */
  static final String SECRET_PATH = "T0001/B0002/s3cr3t-path-4f1c9e";

  record Post(HttpUrl url, String body) {
    JsonNode json() {
      try {
        return new ObjectMapper().readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Records each POST; answers per host, ok by default. */
  static final class FakeTransport implements Transport {
    final List<Post> posts = new CopyOnWriteArrayList<>();
    final Map<String, Function<HttpUrl, Attempt>> answers = new ConcurrentHashMap<>();

    @Override
    public Attempt post(HttpUrl url, byte[] json) {
      posts.add(new Post(url, new String(json, StandardCharsets.UTF_8)));
      return answers.getOrDefault(url.host(), u -> Attempt.ok()).apply(url);
    }

    List<Post> to(String host) {
      return posts.stream().filter(p -> p.url().host().equals(host)).toList();
    }
  }

  final Map<String, Secret> secrets = new ConcurrentHashMap<>();
  final FakeTransport transport = new FakeTransport();
  final List<Duration> pauses = new CopyOnWriteArrayList<>();
  final List<Notice> events = new CopyOnWriteArrayList<>();
  final List<String> wokenUp = new CopyOnWriteArrayList<>();
  final PrometheusRegistry registry = new PrometheusRegistry();
  final OperatorMetrics metrics = new OperatorMetrics(registry);
  /** The time the notifier sees; a test may point it at a simulation's clock. */
  java.util.function.Supplier<Instant> time = () -> Instant.parse("2026-11-26T02:00:00Z");
  final Clock clock = Simulation.clock(() -> time.get());

  Notifier notifier() {
    return notifier(AddressAllowlist.any());
  }

  Notifier notifier(AddressAllowlist allowlist) {
    Courier courier = courier(allowlist);
    return new Notifier(courier, Notifier.lanes(), (change, notice) -> events.add(notice),
        change -> wokenUp.add(change.getMetadata().getName()), metrics, clock);
  }

  Courier courier(AddressAllowlist allowlist) {
    ReceiverAddress addresses = new ReceiverAddress((namespace, name) -> secrets.get(namespace + "/" + name),
        allowlist);
    return new Courier(addresses, transport, Courier.Policy.DEFAULT, pauses::add, clock);
  }

  /** The URL a receiver on {@code host} is given: a Slack-like path whose tail is the secret. */
  static String url(String host) {
    return "http://" + host + ":8080/services/" + SECRET_PATH;
  }

  /** A Secret holding {@code url} under "url", opted in (or not). */
  void secret(String name, String url, boolean optedIn) {
    secret(NAMESPACE, name, url, optedIn);
  }

  /** As {@link #secret(String, String, boolean)}, in another namespace. */
  void secret(String namespace, String name, String url, boolean optedIn) {
    Map<String, String> labels = new HashMap<>();
    if (optedIn) {
      labels.put(OptIn.NOTIFICATIONS, OptIn.VALUE);
    }
    secrets.put(namespace + "/" + name, new SecretBuilder()
        .withMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).withLabels(labels).build())
        .addToData("url", Base64.getEncoder().encodeToString(url.getBytes(StandardCharsets.UTF_8)))
        .build());
  }

  static WebhookReceiver receiver(String name, String secret, NotifyFormat format, NotifyEvent... events) {
    WebhookReceiver r = new WebhookReceiver(name, new WebhookSecretReference(secret, null));
    r.setFormat(format);
    r.setEvents(events.length == 0 ? null : List.of(events));
    return r;
  }

  /** use-redis on app-features with these steps (weight, pause) and receivers. */
  static ScalingChange change(List<Step> steps, WebhookReceiver... receivers) {
    ScalingChange change = new ScalingChange();
    change.setMetadata(new ObjectMetaBuilder().withName("use-redis").withNamespace(NAMESPACE).withGeneration(1L)
        .withUid("uid-use-redis").withAnnotations(new HashMap<>()).build());
    ScalingChangeSpec spec = new ScalingChangeSpec();
    spec.setFlag(new FlagTarget("app-features", "USE_REDIS_PERCENTAGE", "USE_REDIS"));
    spec.setSteps(new ArrayList<>(steps));
    spec.setNotify(receivers.length == 0 ? null : new ArrayList<>(List.of(receivers)));
    change.setSpec(spec);
    return change;
  }

  /** The value of a counter of the operator's metrics with one label; 0 when it was never counted. */
  double counter(String name, String label, String value) {
    return Counters.value(registry, name, label, value);
  }
}
