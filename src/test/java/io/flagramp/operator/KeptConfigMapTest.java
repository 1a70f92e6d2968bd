package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flagramp.core.ClaimAnnotations;
import io.flagramp.core.FlagClaim;
import io.flagramp.core.OptIn;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What the ConfigMap cache keeps of each object: a read of a flag through the kept copy is the read of
 * the whole object whenever the copy says it can answer, and the copy is a few KiB whatever the object
 * holds.
 */
class KeptConfigMapTest {

  private static final long SEED = 20261207L;
  private static final int CONFIGMAPS = 2000;
  private static final List<String> FLAG = List.of("PCT", "ON");
  private static final KubernetesSerialization JSON = new KubernetesSerialization();
  /** A bound the kept copy keeps well under: what it keeps, in JSON, plus the identity API validation bounds. */
  private static final int KEPT_JSON_BYTES = 32 * 1024;

  @Test
  void aFlagBesideAMegabyteFileIsReadFromTheKeptCopyAsFromTheWholeObject() {
    ConfigMap cm = configMap(Map.of("config.yaml", "x".repeat(1_000_000), "PCT", "25", "ON", "true"),
        List.of(manager("kubectl-client-side-apply", "config.yaml", "ON"), manager("flagramp", "PCT")),
        claims(1));

    ConfigMap kept = KeptConfigMap.of(cm);

    assertThat(KeptConfigMap.answers(kept, FLAG)).isTrue();
    assertThat(ConfigMapFlagStore.snapshot(kept, FLAG)).isEqualTo(ConfigMapFlagStore.snapshot(cm, FLAG));
    assertThat(kept.getData()).doesNotContainKey("config.yaml");
    assertThat(kept.getMetadata().getAnnotations()).containsEntry(KeptConfigMap.LEFT_OUT, "data");
    assertThat(KeptConfigMap.answers(kept, List.of("config.yaml")))
        .as("a key whose value was left out is read from the API server").isFalse();
  }

  @Test
  void anObjectThatFitsIsKeptWithAllAReadTakesAndAnswersAnyKeys() {
    ConfigMap cm = configMap(Map.of("PCT", "5", "OTHER", "x"), List.of(manager("flagramp", "PCT")), claims(2));
    cm.getMetadata().getLabels().put("app", "checkout");
    cm.getMetadata().getAnnotations().put("note", "not read by the operator");

    ConfigMap kept = KeptConfigMap.of(cm);

    assertThat(kept.getMetadata().getAnnotations()).doesNotContainKeys(KeptConfigMap.LEFT_OUT, "note");
    assertThat(kept.getMetadata().getLabels()).containsOnlyKeys(OptIn.FLAGS);
    assertThat(KeptConfigMap.answers(kept, List.of("MISSING", "PCT"))).isTrue();
    assertThat(ConfigMapFlagStore.snapshot(kept, List.of("MISSING", "PCT")))
        .isEqualTo(ConfigMapFlagStore.snapshot(cm, List.of("MISSING", "PCT")));
  }

  /**
   * ConfigMaps generated from a fixed seed, from a flag's few short keys to the API server's limits
   * (a 1 MiB value, thousands of keys, 256 KiB of annotations, dozens of managers), each read for
   * keys it has and keys it lacks.
   */
  @Test
  void aReadThroughAKeptCopyIsTheReadOfTheWholeObjectWheneverTheCopyAnswersAndTheCopyIsSmall() {
    Random random = new Random(SEED);
    int answered = 0;
    for (int i = 0; i < CONFIGMAPS; i++) {
      ConfigMap cm = generate(random);
      List<String> keys = random.nextBoolean() ? FLAG : List.of(pick(random, cm), "PCT");
      ConfigMap kept = KeptConfigMap.of(cm);

      if (KeptConfigMap.answers(kept, keys)) {
        answered++;
        assertThat(ConfigMapFlagStore.snapshot(kept, keys)).as("configmap %d, keys %s", i, keys)
            .isEqualTo(ConfigMapFlagStore.snapshot(cm, keys));
      }
      assertThat(JSON.asJson(kept).length()).as("configmap %d kept", i).isLessThan(KEPT_JSON_BYTES);
      assertThat(JSON.asJson(KeptConfigMap.of(kept))).as("configmap %d kept again", i).isEqualTo(JSON.asJson(kept));
    }
    assertThat(answered).as("reads answered by a kept copy, each compared above").isGreaterThan(CONFIGMAPS / 4);
  }

  @Test
  void theLeftOutAnnotationWrittenOnAConfigMapOnlySendsItsReadsToTheApiServer() {
    ConfigMap cm = configMap(Map.of("PCT", "5"), List.of(), claims(0));
    cm.getMetadata().getAnnotations().put(KeptConfigMap.LEFT_OUT, "claims," + "y".repeat(100_000));

    ConfigMap kept = KeptConfigMap.of(cm);

    assertThat(kept.getMetadata().getAnnotations()).containsEntry(KeptConfigMap.LEFT_OUT, "claims");
    assertThat(KeptConfigMap.answers(kept, FLAG)).isFalse();
  }

  // ---- the generator ----

  private static ConfigMap generate(Random random) {
    Map<String, String> data = new LinkedHashMap<>();
    int shape = random.nextInt(4);
    int keys = switch (shape) {
      case 0 -> random.nextInt(6);
      case 1 -> random.nextInt(40);
      case 2 -> random.nextInt(3000);
      default -> 1 + random.nextInt(3);
    };
    for (int k = 0; k < keys; k++) {
      data.put(key(random, k), value(random, shape == 2 ? 8 : 64));
    }
    if (shape == 3) {
      data.put("big.json", "z".repeat(random.nextInt(1_000_000)));
    }
    if (random.nextBoolean()) {
      data.put("PCT", Integer.toString(random.nextInt(101)));
    }
    if (random.nextBoolean()) {
      data.put("ON", random.nextBoolean() ? "true" : value(random, 3000));
    }
    List<String> names = new ArrayList<>(data.keySet());
    List<ManagedFieldsEntry> managers = new ArrayList<>();
    int count = random.nextInt(4) == 0 ? random.nextInt(40) : random.nextInt(4);
    for (int m = 0; m < count; m++) {
      List<String> owned = new ArrayList<>();
      for (String name : names) {
        if (random.nextInt(3) == 0) {
          owned.add(name);
        }
      }
      if (random.nextInt(5) == 0) {
        owned.add("GONE");  // ownership of a key no longer there
      }
      managers.add(manager(random.nextInt(6) == 0 ? "flagramp" : "manager-" + m, owned.toArray(String[]::new)));
    }
    Map<String, String> claims = claims(random.nextInt(4) == 0 ? random.nextInt(60) : random.nextInt(3));
    if (random.nextInt(10) == 0) {
      claims.put(ClaimAnnotations.PREFIX + UUID.randomUUID(), "{not a claim " + value(random, 200_000));
    }
    ConfigMap cm = configMap(data, managers, claims);
    if (random.nextInt(3) == 0) {
      cm.getMetadata().getLabels().remove(OptIn.FLAGS);
    }
    if (random.nextInt(8) == 0) {
      cm.setImmutable(true);
    }
    return cm;
  }

  private static String key(Random random, int k) {
    return (random.nextBoolean() ? "K" : "key.with-a-long_name.".repeat(1 + random.nextInt(10))) + k;
  }

  private static String value(Random random, int longest) {
    StringBuilder v = new StringBuilder();
    int length = random.nextInt(longest + 1);
    for (int i = 0; i < length; i++) {
      v.append((char) ('a' + random.nextInt(26)));
    }
    return v.toString();
  }

  private static String pick(Random random, ConfigMap cm) {
    List<String> keys = new ArrayList<>(cm.getData().keySet());
    return keys.isEmpty() || random.nextInt(5) == 0 ? "ABSENT" : keys.get(random.nextInt(keys.size()));
  }

  private static ConfigMap configMap(Map<String, String> data, List<ManagedFieldsEntry> managers,
      Map<String, String> annotations) {
    return new ConfigMapBuilder().withNewMetadata().withName("app-features").withNamespace("team-a")
        .withUid(UUID.randomUUID().toString()).withResourceVersion("4711")
        .withLabels(new LinkedHashMap<>(Map.of(OptIn.FLAGS, OptIn.VALUE, "app", "checkout")))
        .withAnnotations(new LinkedHashMap<>(annotations)).withManagedFields(managers).endMetadata()
        .withData(new LinkedHashMap<>(data)).build();
  }

  /** A managedFields entry as the API server writes it: {@code f:data} with {@code f:<key>} for each key. */
  private static ManagedFieldsEntry manager(String name, String... keys) {
    Map<String, Object> owned = new LinkedHashMap<>();
    for (String key : keys) {
      owned.put("f:" + key, Map.of());
    }
    FieldsV1 fields = new FieldsV1();
    fields.setAdditionalProperty("f:data", owned);
    fields.setAdditionalProperty("f:metadata", Map.of("f:labels", Map.of("f:app", Map.of())));
    return new ManagedFieldsEntryBuilder().withManager(name).withOperation("Update").withApiVersion("v1")
        .withFieldsType("FieldsV1").withFieldsV1(fields).build();
  }

  /** {@code n} claims as flagramp writes them, on the flag's keys. */
  private static Map<String, String> claims(int n) {
    Map<String, String> claims = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      String uid = new UUID(SEED, i).toString();
      claims.put(ClaimAnnotations.key(uid), ClaimAnnotations.value(new FlagClaim(uid, "change-" + i, FLAG, "5")));
    }
    return claims;
  }
}
