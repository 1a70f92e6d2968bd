package io.flagramp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flagramp.core.ClaimAnnotations;
import io.flagramp.core.FlagClaim;
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
  private static final FlagClaim CLAIM = new FlagClaim("0b8d7c62-1f3a-4c1e-9d55-5b7d3e1f0a11", "use-redis", KEYS, "1.5");
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
    FlagStore.Snapshot version = store.read(ns, "flags", KEYS).orElseThrow();
    client.configMaps().inNamespace(ns).withName("flags").edit(cm -> { cm.getData().put("OTHER", "y"); return cm; });

    assertThatThrownBy(() -> store.write(ns, "flags", set(Map.of("PCT", "5")), version))
        .isInstanceOfSatisfying(FlagWriteFailed.class, e -> assertThat(e.reason()).isEqualTo("WriteConflict"));
    assertThat(client.configMaps().inNamespace(ns).withName("flags").get().getData())
        .isEqualTo(Map.of("ON", "false", "OTHER", "y"));
  }

  @Test
  void aWriteToAConfigMapDeletedSinceItWasReadDoesNotCreateIt() {
    FlagStore.Snapshot version = store.read(ns, "flags", KEYS).orElseThrow();
    client.configMaps().inNamespace(ns).withName("flags").delete();
    org.awaitility.Awaitility.await().until(() -> client.configMaps().inNamespace(ns).withName("flags").get() == null);

    assertThatThrownBy(() -> store.write(ns, "flags", set(Map.of("PCT", "5")), version))
        .isInstanceOf(FlagWriteFailed.class);
    assertThat(client.configMaps().inNamespace(ns).withName("flags").get()).isNull();
  }

  @Test
  void readingNamesTheOtherFieldManagersOfEachKey() {
    FlagStore.Snapshot version = store.read(ns, "flags", KEYS).orElseThrow();
    store.write(ns, "flags", set(Map.of("PCT", "5", "ON", "true")), version);
    client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("flags")
        .endMetadata().addToData("PCT", "0").build()).fieldManager("kubectl-edit").forceConflicts().serverSideApply();

    FlagStore.Snapshot snapshot = store.read(ns, "flags", KEYS).orElseThrow();

    assertThat(snapshot.flag().values()).isEqualTo(Map.of("PCT", "0", "ON", "true"));
    assertThat(snapshot.flag().otherWriters()).isEqualTo(Map.of("PCT", List.of("kubectl-edit")));
  }

  @Test
  void restoreRemovesAnOriginallyAbsentKeyEvenWhenAnotherManagerAlsoOwnsIt() {
    FlagStore.Snapshot version = store.read(ns, "flags", KEYS).orElseThrow();
    store.write(ns, "flags", set(Map.of("PCT", "5", "ON", "true")), version);
    // Someone applies the same value too: now two managers own PCT.
    client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("flags")
        .endMetadata().addToData("PCT", "5").build()).fieldManager("gitops").serverSideApply();

    FlagStore.Snapshot now = store.read(ns, "flags", KEYS).orElseThrow();
    store.write(ns, "flags", new FlagWrite.Restore(KEYS, Map.of("ON", "false"), Map.of(), CLAIM), now);

    assertThat(client.configMaps().inNamespace(ns).withName("flags").get().getData())
        .isEqualTo(Map.of("ON", "false", "OTHER", "x"));
  }

  private static FlagWrite.SetValues set(Map<String, String> values) {
    return new FlagWrite.SetValues(values, CLAIM, List.of());
  }

  /**
   * A restore writes each key back under the field manager that owned it before the first write, so a
   * GitOps tool told to ignore flagramp's fields sees the key as its own again.
   */
  @Test
  void aRestoreHandsEachKeyBackToItsOriginalManagerAndMarksTheClaimRestored() {
    FlagStore.Snapshot before = store.read(ns, "flags", KEYS).orElseThrow();
    String owner = before.flag().otherWriters().get("ON").get(0);
    store.write(ns, "flags", set(Map.of("PCT", "5", "ON", "true")), before);
    assertThat(managersOf("ON")).containsExactly(ConfigMapFlagStore.FIELD_MANAGER);
    assertThat(client.configMaps().inNamespace(ns).withName("flags").get().getMetadata().getAnnotations())
        .containsKey("claim.flagramp.io/" + CLAIM.uid());

    FlagStore.Snapshot now = store.read(ns, "flags", KEYS).orElseThrow();
    store.write(ns, "flags", new FlagWrite.Restore(KEYS, Map.of("ON", "false"), Map.of("ON", owner), CLAIM), now);

    io.fabric8.kubernetes.api.model.ConfigMap after = client.configMaps().inNamespace(ns).withName("flags").get();
    assertThat(after.getData()).isEqualTo(Map.of("ON", "false", "OTHER", "x"));
    assertThat(managersOf("ON")).containsExactly(owner).doesNotContain(ConfigMapFlagStore.FIELD_MANAGER);
    assertThat(ClaimAnnotations.read(after.getMetadata().getAnnotations())).singleElement()
        .satisfies(c -> assertThat(c.restored()).as("the claim is a record of the restore, holding nothing").isTrue());
  }

  @Test
  void twoChangesWritingDifferentKeysOfOneConfigMapKeepEachOthersKeysAndClaims() {
    FlagClaim cache = new FlagClaim("7c1e0f4a-9b2d-4c8e-a1f3-2d5b6e7f8a90", "use-cache", List.of("CACHE"), "1.20");
    store.write(ns, "flags", set(Map.of("PCT", "5", "ON", "true")), store.read(ns, "flags", KEYS).orElseThrow());
    store.write(ns, "flags", new FlagWrite.SetValues(Map.of("CACHE", "20"), cache, List.of()),
        store.read(ns, "flags", List.of("CACHE")).orElseThrow());

    FlagStore.Snapshot snapshot = store.read(ns, "flags", KEYS).orElseThrow();

    assertThat(client.configMaps().inNamespace(ns).withName("flags").get().getData())
        .containsEntry("PCT", "5").containsEntry("ON", "true").containsEntry("CACHE", "20");
    assertThat(snapshot.flag().claims()).extracting(c -> c.claim().name()).containsExactlyInAnyOrder("use-redis", "use-cache");
    assertThat(snapshot.flag().claimOf(CLAIM.uid()).orElseThrow().claim().applied()).isEqualTo("1.5");
  }

  private java.util.List<String> managersOf(String key) {
    return client.configMaps().inNamespace(ns).withName("flags").get().getMetadata().getManagedFields().stream()
        .filter(m -> m.getFieldsV1() != null && m.getFieldsV1().getAdditionalProperties().get("f:data")
            instanceof Map<?, ?> data && data.containsKey("f:" + key))
        .map(io.fabric8.kubernetes.api.model.ManagedFieldsEntry::getManager)
        .toList();
  }
}
