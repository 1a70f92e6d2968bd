package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.StepOutcome;
import io.flagramp.core.Annotations;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** flagd flags ramped against the real kube-apiserver: two flags of one document at once, amid 409s. */
@ExtendWith(KubeApiServerExtension.class)
class FlagdIT {

  private static final String KEY = "flags.flagd.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DOCUMENT = """
      {
        "flags": {
          "new-checkout": {
            "state": "ENABLED",
            "variants": {"on": true, "off": false},
            "defaultVariant": "off"
          },
          "search-v2": {"state": "ENABLED", "variants": {"on": "v2", "off": "v1"}, "defaultVariant": "off"},
          "dark-mode": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off",
                        "targeting": {"if": [{"$ref": "staff"}, "on", "off"]}}
        },
        "$evaluators": {"staff": {"ends_with": [{"var": "email"}, "@example.com"]}}
      }
      """;
  private static OperatorHarness harness;

  @BeforeAll
  static void startOperator(KubeTestCluster cluster) {
    harness = OperatorHarness.start(cluster);
  }

  @AfterAll
  static void stopOperator() {
    harness.close();
  }

  private static ScalingChange flagd(String ns, String name, String flag) {
    ScalingChange sc = change(ns, name, step(1, "1s"), step(10, "1s"), step(50, "1s"), step(100, null));
    sc.getSpec().setFlag(FlagTarget.flagd("app-features", KEY, flag));
    return sc;
  }

  private static String document(String ns) {
    return harness.client.configMaps().inNamespace(ns).withName("app-features").get().getData().get(KEY);
  }

  /** The on weight of each flag in each version of the document the API server's watch delivers. */
  private static Watch recordWeights(String ns, Map<String, List<Integer>> seen) {
    return harness.client.configMaps().inNamespace(ns).withName("app-features").watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, ConfigMap cm) {
        try {
          JsonNode flags = JSON.readTree(cm.getData().get(KEY)).get("flags");
          seen.forEach((flag, weights) -> {
            JsonNode def = flags.get(flag);
            int w = "on".equals(def.path("defaultVariant").asText()) ? 100
                : def.at("/targeting/fractional/0/1").asInt(0);
            if (weights.isEmpty() || weights.get(weights.size() - 1) != w) {
              weights.add(w);
            }
          });
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    });
  }

  @Test
  void twoChangesRampTwoFlagsOfOneDocumentToOneHundredAmid409sAndTheAbortsGiveTheDocumentBackByteForByte() {
    String ns = harness.cluster.createNamespace("flagd");
    harness.createConfigMap(ns, "app-features", Map.of(KEY, DOCUMENT, "OTHER", "0"));
    Map<String, List<Integer>> seen = Map.of("new-checkout", new CopyOnWriteArrayList<>(), "search-v2",
        new CopyOnWriteArrayList<>());
    Watch watch = recordWeights(ns, seen);
    // Another writer of the ConfigMap, every 50 ms: any flagramp write decided on the version before meets a 409.
    ScheduledExecutorService other = Executors.newSingleThreadScheduledExecutor();
    AtomicInteger edits = new AtomicInteger();
    other.scheduleWithFixedDelay(() -> {
      try {
        harness.client.configMaps().inNamespace(ns).withName("app-features").edit(cm -> {
          cm.getData().put("OTHER", Integer.toString(edits.get() + 1));
          return cm;
        });
        edits.incrementAndGet();
      } catch (io.fabric8.kubernetes.client.KubernetesClientException conflict) {
        // flagramp wrote between this writer's read and its update: its own 409, tried again next time
      }
    }, 0, 50, TimeUnit.MILLISECONDS);
    try {
      harness.changes().resource(flagd(ns, "checkout", "new-checkout")).create();
      harness.changes().resource(flagd(ns, "search", "search-v2")).create();

      await().atMost(Duration.ofSeconds(120)).until(() -> harness.phase(ns, "checkout") == Phase.Succeeded
          && harness.phase(ns, "search") == Phase.Succeeded);
      other.shutdownNow();
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.values().stream().allMatch(w -> w.contains(100)));
    } finally {
      other.shutdownNow();
      watch.close();
    }

    assertThat(edits.get()).as("the other writer's edits during the ramp").isGreaterThan(10);
    for (List<Integer> weights : seen.values()) {
      assertThat(weights).as("the flag's weights as the API server held them").containsExactly(0, 1, 10, 50, 100);
    }
    for (String name : List.of("checkout", "search")) {
      ScalingChange done = harness.get(ns, name);
      assertThat(done.getStatus().getHistory()).extracting(HistoryEntry::getWeight).containsExactly(1, 10, 50, 100);
      assertThat(done.getStatus().getHistory()).extracting(HistoryEntry::getOutcome).containsOnly(StepOutcome.Passed);
    }
    assertThat(document(ns)).contains("\"dark-mode\": {\"state\": \"ENABLED\"");

    harness.client.configMaps().inNamespace(ns).withName("app-features").edit(cm -> {
      cm.getData().put("OTHER", "0");
      return cm;
    });
    for (String name : List.of("checkout", "search")) {
      harness.changes().inNamespace(ns).withName(name).edit(sc -> {
        sc.getMetadata().getAnnotations().put(Annotations.ABORT, "done testing");
        return sc;
      });
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> harness.rolledBackAndRestored(ns, "checkout")
        && harness.rolledBackAndRestored(ns, "search"));

    assertThat(document(ns)).isEqualTo(DOCUMENT);
    assertThat(harness.get(ns, "checkout").getStatus().getReason()).isEqualTo(Reason.Aborted);
  }

  @Test
  void aFlagWhoseTargetingCannotBeRampedIsInvalidAndTheDocumentIsNeverWritten() {
    String ns = harness.cluster.createNamespace("flagd-invalid");
    harness.createConfigMap(ns, "app-features", Map.of(KEY, DOCUMENT));
    String version = harness.client.configMaps().inNamespace(ns).withName("app-features").get().getMetadata()
        .getResourceVersion();

    harness.changes().resource(flagd(ns, "dark", "dark-mode")).create();

    await().atMost(Duration.ofSeconds(30)).until(() -> harness.phase(ns, "dark") == Phase.Invalid);
    ScalingChange invalid = harness.get(ns, "dark");
    assertThat(invalid.getStatus().getReason()).isEqualTo(Reason.FlagUnrampable);
    assertThat(invalid.getStatus().getLastDecision()).contains("flag \"dark-mode\"'s targeting's last else is \"off\"");
    assertThat(harness.client.configMaps().inNamespace(ns).withName("app-features").get().getMetadata()
        .getResourceVersion()).isEqualTo(version);
  }

  @Test
  void theApiServerRefusesAChangeThatNamesBothFormats(KubeTestCluster cluster) {
    String ns = harness.cluster.createNamespace("flagd-schema");
    ScalingChange both = flagd(ns, "both", "new-checkout");
    both.getSpec().getFlag().setPercentageKey("USE_REDIS_PERCENTAGE");

    var refused = org.assertj.core.api.Assertions.catchThrowable(() -> harness.changes().resource(both).create());

    assertThat(refused).hasMessageContaining("spec.flag: set either percentageKey or flagd, not both");
  }
}
