package io.flagramp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flagramp.core.FlagWrite;
import io.flagramp.operator.ConfigMapFlagStore;
import io.flagramp.operator.FlagStore;
import io.flagramp.operator.FlagWriteFailed;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The ConfigMap side of the operator against the real API server. */
@ExtendWith(KubeApiServerExtension.class)
class ConfigMapFlagStoreIT {

  private static final List<String> KEYS = List.of("PCT", "ON");
  private KubernetesClient client;
  private FlagStore store;
  private String ns;

  @BeforeEach
  void namespace(KubeTestCluster cluster) {
    client = cluster.client();
    store = new ConfigMapFlagStore(client);
    ns = cluster.createNamespace("store");
    client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("flags")
        .endMetadata().addToData("ON", "false").addToData("OTHER", "x").build()).create();
  }

  @Test
  void aWriteBasedOnAStaleReadIsRefusedWithAConflictAndChangesNothing() {
    FlagStore.ReadVersion version = store.read(ns, "flags", KEYS).orElseThrow().version();
    client.configMaps().inNamespace(ns).withName("flags").edit(cm -> { cm.getData().put("OTHER", "y"); return cm; });

    assertThatThrownBy(() -> store.write(ns, "flags", new FlagWrite.SetValues(Map.of("PCT", "5")), version))
        .isInstanceOfSatisfying(FlagWriteFailed.class, e -> assertThat(e.reason()).isEqualTo("WriteConflict"));
    assertThat(client.configMaps().inNamespace(ns).withName("flags").get().getData())
        .isEqualTo(Map.of("ON", "false", "OTHER", "y"));
  }

  @Test
  void aWriteToAConfigMapDeletedSinceItWasReadDoesNotCreateIt() {
    FlagStore.ReadVersion version = store.read(ns, "flags", KEYS).orElseThrow().version();
    client.configMaps().inNamespace(ns).withName("flags").delete();
    org.awaitility.Awaitility.await().until(() -> client.configMaps().inNamespace(ns).withName("flags").get() == null);

    assertThatThrownBy(() -> store.write(ns, "flags", new FlagWrite.SetValues(Map.of("PCT", "5")), version))
        .isInstanceOf(FlagWriteFailed.class);
    assertThat(client.configMaps().inNamespace(ns).withName("flags").get()).isNull();
  }

  @Test
  void readingNamesTheOtherFieldManagersOfEachKey() {
    FlagStore.ReadVersion version = store.read(ns, "flags", KEYS).orElseThrow().version();
    store.write(ns, "flags", new FlagWrite.SetValues(Map.of("PCT", "5", "ON", "true")), version);
    client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("flags")
        .endMetadata().addToData("PCT", "0").build()).fieldManager("kubectl-edit").forceConflicts().serverSideApply();

    FlagStore.Snapshot snapshot = store.read(ns, "flags", KEYS).orElseThrow();

    assertThat(snapshot.flag().values()).isEqualTo(Map.of("PCT", "0", "ON", "true"));
    assertThat(snapshot.flag().otherWriters()).isEqualTo(Map.of("PCT", List.of("kubectl-edit")));
  }

  @Test
  void restoreRemovesAnOriginallyAbsentKeyEvenWhenAnotherManagerAlsoOwnsIt() {
    FlagStore.ReadVersion version = store.read(ns, "flags", KEYS).orElseThrow().version();
    store.write(ns, "flags", new FlagWrite.SetValues(Map.of("PCT", "5", "ON", "true")), version);
    // Someone applies the same value too: now two managers own PCT.
    client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("flags")
        .endMetadata().addToData("PCT", "5").build()).fieldManager("gitops").serverSideApply();

    FlagStore.ReadVersion now = store.read(ns, "flags", KEYS).orElseThrow().version();
    store.write(ns, "flags", new FlagWrite.Restore(KEYS, Map.of("ON", "false")), now);

    assertThat(client.configMaps().inNamespace(ns).withName("flags").get().getData())
        .isEqualTo(Map.of("ON", "false", "OTHER", "x"));
  }
}
