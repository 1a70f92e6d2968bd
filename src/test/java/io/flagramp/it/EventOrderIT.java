package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Events of one second keep their order: written through events.k8s.io/v1 with microsecond times. */
@ExtendWith(KubeApiServerExtension.class)
class EventOrderIT {

  @Test
  void aRolloutWithoutPausesLeavesItsEventsInTheOrderTheyHappenedEvenWithinOneSecond(KubeTestCluster cluster) {
    String ns = cluster.createNamespace("event-order");
    try (OperatorHarness harness = OperatorHarness.start(cluster)) {
      harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
      harness.changes().resource(change(ns, "use-redis", step(1, null), step(5, null), step(10, null),
          step(100, null))).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);

      // Events are sent after the writes they tell of: the last, Succeeded, may still be on its way.
      List<Event> events = await().atMost(Duration.ofSeconds(15)).until(() -> cluster.client().events().v1().events()
          .inNamespace(ns).list().getItems().stream().filter(e -> "use-redis".equals(e.getRegarding().getName()))
          .sorted(Comparator.comparing(e -> Instant.parse(e.getEventTime().getTime()))).toList(),
          list -> !list.isEmpty() && "Succeeded".equals(list.get(list.size() - 1).getReason()));

      assertThat(events).extracting(Event::getNote).filteredOn(n -> n.contains("entered step"))
          .extracting(n -> n.substring(n.indexOf("entered step"), n.indexOf(" at weight")))
          .containsExactly("entered step 1/4", "entered step 2/4", "entered step 3/4", "entered step 4/4");
      assertThat(events.get(events.size() - 1).getReason()).isEqualTo("Succeeded");
      assertThat(events).allSatisfy(e -> {
        assertThat(e.getReportingController()).isEqualTo("flagramp.io/operator");
        assertThat(e.getReportingInstance()).isEqualTo("it");
        assertThat(e.getEventTime().getTime()).matches(".*\\.[0-9]{6}Z");
      });
      Instant first = Instant.parse(events.get(0).getEventTime().getTime());
      Instant last = Instant.parse(events.get(events.size() - 1).getEventTime().getTime());
      assertThat(Duration.between(first, last)).as("the whole rollout within a second or two, so whole seconds"
          + " would have tied").isLessThan(Duration.ofSeconds(3));
      // The same Events through the core API, as kubectl describe reads them.
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "use-redis")).hasSameSizeAs(events)
          .allSatisfy(e -> assertThat(e.getEventTime()).isNotNull()));
    }
  }
}
