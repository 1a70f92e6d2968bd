package io.flagramp.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The real kube-apiserver does what flagramp relies on: CEL, server-side apply, the status subresource. */
@ExtendWith(KubeApiServerExtension.class)
class KubernetesTestBedIT {

  private static final ResourceDefinitionContext WIDGETS = new ResourceDefinitionContext.Builder()
      .withGroup("testbed.flagramp.io").withVersion("v1").withKind("Widget").withPlural("widgets")
      .withNamespaced(true).build();

  private static String namespace;

  @BeforeAll
  static void installWidgetCrd(KubeTestCluster cluster) {
    KubernetesClient client = cluster.client();
    CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
        .load(KubernetesTestBedIT.class.getResourceAsStream("/testbed/widgets-crd.yaml")).item();
    client.apiextensions().v1().customResourceDefinitions().resource(crd).serverSideApply();
    await().atMost(Duration.ofSeconds(30)).until(() -> established(client, crd.getMetadata().getName()));
    namespace = cluster.createNamespace("testbed");
  }

  private static boolean established(KubernetesClient client, String name) {
    CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions().withName(name).get();
    return crd != null && crd.getStatus() != null && crd.getStatus().getConditions().stream()
        .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static GenericKubernetesResource widget(String name, int min, int max) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("testbed.flagramp.io/v1").withKind("Widget")
        .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
        .addToAdditionalProperties("spec", Map.of("min", min, "max", max))
        .build();
  }

  @Test
  void celRuleRejectsABadObjectWithTheRulesMessageAndAdmitsAGoodOne(KubernetesClient client) {
    assertThatThrownBy(() -> client.genericKubernetesResources(WIDGETS).inNamespace(namespace)
            .resource(widget("inverted", 5, 1)).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getMessage()).contains("spec.min must not exceed spec.max");
        });

    GenericKubernetesResource ok = client.genericKubernetesResources(WIDGETS).inNamespace(namespace)
        .resource(widget("ordered", 1, 5)).create();
    assertThat(ok.getMetadata().getUid()).isNotBlank();
  }

  @Test
  void serverSideApplyOfTwoKeysLeavesTheOtherKeysUntouchedAndRecordsTheManager(KubernetesClient client) {
    client.configMaps().inNamespace(namespace).resource(configMap("features-a", Map.of(
        "OTHER", "kept exactly\n  with spaces ", "UNRELATED", "x"))).create();

    client.configMaps().inNamespace(namespace).resource(configMap("features-a", Map.of(
        "USE_REDIS_PERCENTAGE", "5", "USE_REDIS", "true"))).fieldManager("flagramp").serverSideApply();

    ConfigMap after = client.configMaps().inNamespace(namespace).withName("features-a").get();
    assertThat(after.getData()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "OTHER", "kept exactly\n  with spaces ", "UNRELATED", "x",
        "USE_REDIS_PERCENTAGE", "5", "USE_REDIS", "true"));
    ManagedFieldsEntry flagramp = managerEntry(after, "flagramp");
    assertThat(flagramp.getOperation()).isEqualTo("Apply");
    assertThat(ownedDataKeys(flagramp)).containsExactlyInAnyOrder("f:USE_REDIS_PERCENTAGE", "f:USE_REDIS");
  }

  @Test
  void aSecondManagerChangingAnAppliedKeyConflictsUnlessItForces(KubernetesClient client) {
    client.configMaps().inNamespace(namespace).resource(configMap("features-b", Map.of(
        "USE_REDIS_PERCENTAGE", "5", "USE_REDIS", "true"))).fieldManager("flagramp").serverSideApply();
    ConfigMap onCall = configMap("features-b", Map.of("USE_REDIS_PERCENTAGE", "0"));

    assertThatThrownBy(() -> client.configMaps().inNamespace(namespace).resource(onCall)
            .fieldManager("on-call").serverSideApply())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(409);
          assertThat(e.getMessage()).contains("conflict").contains("flagramp");
        });
    assertThat(client.configMaps().inNamespace(namespace).withName("features-b").get().getData())
        .containsEntry("USE_REDIS_PERCENTAGE", "5");

    client.configMaps().inNamespace(namespace).resource(onCall).fieldManager("on-call")
        .forceConflicts().serverSideApply();

    ConfigMap after = client.configMaps().inNamespace(namespace).withName("features-b").get();
    assertThat(after.getData()).containsEntry("USE_REDIS_PERCENTAGE", "0").containsEntry("USE_REDIS", "true");
    assertThat(ownedDataKeys(managerEntry(after, "flagramp"))).containsExactly("f:USE_REDIS");
    assertThat(ownedDataKeys(managerEntry(after, "on-call"))).containsExactly("f:USE_REDIS_PERCENTAGE");
  }

  @Test
  void aStatusWriteDoesNotChangeGenerationButASpecWriteDoes(KubernetesClient client) {
    var widgets = client.genericKubernetesResources(WIDGETS).inNamespace(namespace);
    GenericKubernetesResource created = widgets.resource(widget("generations", 1, 2)).create();
    assertThat(created.getMetadata().getGeneration()).isEqualTo(1L);

    created.setAdditionalProperty("status", Map.of("seen", 7));
    GenericKubernetesResource afterStatus = widgets.resource(created).updateStatus();

    assertThat(afterStatus.getMetadata().getGeneration()).isEqualTo(1L);
    assertThat(afterStatus.getMetadata().getResourceVersion())
        .isNotEqualTo(created.getMetadata().getResourceVersion());
    assertThat(widgets.withName("generations").get().<Integer>get("status", "seen")).isEqualTo(7);

    GenericKubernetesResource afterSpec = widgets.withName("generations")
        .edit(w -> { w.setAdditionalProperty("spec", Map.of("min", 1, "max", 3)); return w; });
    assertThat(afterSpec.getMetadata().getGeneration()).isEqualTo(2L);
  }

  private ConfigMap configMap(String name, Map<String, String> data) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
        .withData(data).build();
  }

  private static ManagedFieldsEntry managerEntry(ConfigMap cm, String manager) {
    return cm.getMetadata().getManagedFields().stream()
        .filter(e -> manager.equals(e.getManager()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no managedFields entry for " + manager + " in "
            + cm.getMetadata().getManagedFields()));
  }

  @SuppressWarnings("unchecked")
  private static java.util.Set<String> ownedDataKeys(ManagedFieldsEntry entry) {
    Object data = entry.getFieldsV1().getAdditionalProperties().get("f:data");
    return data == null ? java.util.Set.of() : ((Map<String, Object>) data).keySet();
  }
}
