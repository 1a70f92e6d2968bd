package io.flagramp.operator;

import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.Notice;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on a ScalingChange, for {@code kubectl describe} and {@code kubectl events}.
 * Written through {@code events.k8s.io/v1}, whose {@code eventTime} has microseconds: the core API's
 * timestamps have whole seconds, so Events of one second lost their order. Each recorder's times
 * strictly increase, even within one microsecond. An Event that cannot be written is logged and
 * dropped: it never fails a reconcile, whose decision is in status anyway.
 */
public final class EventRecorder implements Reconciliation.Events {

  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  private static final int MAX_NOTE = 1024;
  static final String CONTROLLER = "flagramp.io/operator";
  private static final DateTimeFormatter MICROS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final KubernetesClient client;
  private final Clock clock;
  private final String instance;
  private Instant last = Instant.MIN;

  public EventRecorder(KubernetesClient client, Clock clock, String instance) {
    this.client = client;
    this.clock = clock;
    this.instance = instance;
  }

  @Override
  public void record(ScalingChange change, Notice notice) {
    String ns = change.getMetadata().getNamespace();
    String note = notice.message().length() <= MAX_NOTE ? notice.message()
        : notice.message().substring(0, MAX_NOTE - 1) + "…";
    Event event = new EventBuilder()
        .withNewMetadata()
          .withNamespace(ns)
          .withName(change.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8)
              .toLowerCase(Locale.ROOT))
        .endMetadata()
        .withNewRegarding()
          .withApiVersion(change.getApiVersion()).withKind(change.getKind())
          .withName(change.getMetadata().getName()).withNamespace(ns)
          .withUid(change.getMetadata().getUid())
          .withResourceVersion(change.getMetadata().getResourceVersion())
        .endRegarding()
        .withType(notice.kind().name())
        .withReason(notice.reason())
        .withAction(notice.reason())
        .withNote(note)
        .withEventTime(new MicroTime(MICROS.format(next())))
        .withReportingController(CONTROLLER)
        .withReportingInstance(instance)
        .build();
    try {
      client.events().v1().events().inNamespace(ns).resource(event).create();
    } catch (KubernetesClientException e) {
      log.warn("{}/{}: could not record Event {} ({}): {}", ns, change.getMetadata().getName(),
          notice.reason(), notice.message(), e.getMessage());
    }
  }

  /** Now, to the microsecond, and after every time this recorder handed out before. */
  synchronized Instant next() {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    last = now.isAfter(last) ? now : last.plus(1, ChronoUnit.MICROS);
    return last;
  }
}
