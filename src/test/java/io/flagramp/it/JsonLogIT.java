package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.Annotations;
import io.flagramp.core.OptIn;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The packaged operator's JSON log, as a log shipper reads it: one object per line, an ISO-8601
 * {@code @timestamp}, and a decision's change in flat top-level fields; and FLAGRAMP_LOG_LEVEL obeyed.
 */
@ExtendWith(KubeApiServerExtension.class)
class JsonLogIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void aDecisionsJsonLineHasAnIsoTimestampAndTheChangeInFlatFields(KubeTestCluster cluster) throws IOException {
    String ns = namespaceWithFlags(cluster, "json-log");
    try (OperatorProcess operator = new OperatorProcess(cluster.kubeconfig(), Map.of("FLAGRAMP_NAMESPACES", ns,
        "FLAGRAMP_HTTP_PORT", "0", "FLAGRAMP_LOG_FORMAT", "json"), logs("info"))) {
      operator.start();
      cluster.client().resources(ScalingChange.class).resource(change(ns, "use-redis", step(100, null))).create();
      await().atMost(WAIT).until(() -> phase(cluster, ns) == Phase.Succeeded);
      JsonNode decision = await().atMost(WAIT).until(() -> line(operator, ns, "INFO"), Optional::isPresent).get();

      assertThat(Instant.parse(decision.get("@timestamp").asText())).isBetween(Instant.now().minus(WAIT),
          Instant.now());
      assertThat(decision.get("@timestamp").asText()).endsWith("Z");
      assertThat(decision.get("namespace").asText()).isEqualTo(ns);
      assertThat(decision.get("name").asText()).isEqualTo("use-redis");
      assertThat(decision.get("log.logger").asText()).startsWith("io.flagramp.");
      assertThat(decision.get("message").asText()).isNotBlank();
      assertThat(decision.has("contextMap")).isFalse();
      assertThat(decision.has("instant")).isFalse();
      decision.fields().forEachRemaining(f -> assertThat(f.getValue().isValueNode()).as(f.getKey()).isTrue());
      assertThat(jsonLines(operator)).as("every event's line is JSON with a timestamp").isNotEmpty()
          .allSatisfy(l -> Instant.parse(l.get("@timestamp").asText()));
    }
  }

  @Test
  void atLevelWarnAnAbortIsLoggedAndNothingLessSevere(KubeTestCluster cluster) throws IOException {
    String ns = namespaceWithFlags(cluster, "warn-log");
    try (OperatorProcess operator = new OperatorProcess(cluster.kubeconfig(), Map.of("FLAGRAMP_NAMESPACES", ns,
        "FLAGRAMP_HTTP_PORT", "0", "FLAGRAMP_LOG_FORMAT", "json", "FLAGRAMP_LOG_LEVEL", "warn"), logs("warn"))) {
      operator.start();
      cluster.client().resources(ScalingChange.class)
          .resource(change(ns, "use-redis", step(10, "1h"), step(100, null))).create();
      await().atMost(WAIT).until(() -> phase(cluster, ns) == Phase.Progressing);
      cluster.client().resources(ScalingChange.class).inNamespace(ns).withName("use-redis").edit(sc -> {
        sc.getMetadata().getAnnotations().put(Annotations.ABORT, "log level test");
        return sc;
      });
      await().atMost(WAIT).until(() -> phase(cluster, ns) == Phase.RolledBack);
      JsonNode abort = await().atMost(WAIT).until(() -> line(operator, ns, "WARN"), Optional::isPresent).get();

      assertThat(abort.get("message").asText()).contains("log level test");
      assertThat(jsonLines(operator)).extracting(l -> l.get("log.level").asText())
          .isSubsetOf("WARN", "ERROR");
    }
  }

  private static String namespaceWithFlags(KubeTestCluster cluster, String prefix) {
    OperatorHarness.installCrd(cluster.client());
    String ns = cluster.createNamespace(prefix);
    cluster.client().configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
        .withName("app-features").addToLabels(OptIn.FLAGS, OptIn.VALUE).endMetadata()
        .addToData("USE_REDIS", "false").build()).create();
    return ns;
  }

  private static Path logs(String name) throws IOException {
    return Files.createDirectories(Path.of("target", "json-log", name));
  }

  private static Phase phase(KubeTestCluster cluster, String ns) {
    ScalingChange sc = cluster.client().resources(ScalingChange.class).inNamespace(ns).withName("use-redis").get();
    return sc == null || sc.getStatus() == null ? null : sc.getStatus().getPhase();
  }

  /** The first line at {@code level} about the change in {@code ns}. */
  private static Optional<JsonNode> line(OperatorProcess operator, String ns, String level) {
    return jsonLines(operator).stream().filter(l -> ns.equals(l.path("namespace").asText())
        && level.equals(l.path("log.level").asText())).findFirst();
  }

  /** The log4j lines; the JVM's own warnings on stderr, if any, are not the operator's log. */
  private static List<JsonNode> jsonLines(OperatorProcess operator) {
    return operator.logLines().stream().filter(l -> l.startsWith("{")).map(l -> {
      try {
        return JSON.readTree(l);
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
    }).toList();
  }
}
