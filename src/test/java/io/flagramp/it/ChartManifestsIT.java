package io.flagramp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flagramp.chart.HelmChart;
import io.flagramp.chart.HelmChart.Rendered;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.KubeTestCluster.KubectlResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every object the chart renders is accepted by the real kube-apiserver's own validation, with
 * unknown fields refused ({@code kubectl apply --dry-run=server --validate=strict}), in a namespace
 * that enforces the restricted Pod Security Standard.
 *
 * <p>The API server compiles a ValidatingAdmissionPolicy's CEL when it validates the object, so a
 * policy that is accepted here has expressions it can run (what they decide is ChartRbacIT's and
 * ApprovalPolicyIT's to show).
 *
 * <p>The ServiceMonitor is checked against a stand-in CRD that accepts any spec (the Prometheus
 * Operator's CRD is not part of the test bed): that proves its apiVersion, kind and metadata, not its
 * spec's fields.
 */
@ExtendWith(KubeApiServerExtension.class)
class ChartManifestsIT {

  private static final String RESTRICTED = "pod-security.kubernetes.io/enforce";

  @Test
  void theApiServerAcceptsEveryRenderedObjectAndThePodMeetsTheRestrictedStandard(KubeTestCluster cluster)
      throws IOException {
    KubernetesClient admin = cluster.client();
    String release = restrictedNamespace(cluster, "chart-release");
    String a = cluster.createNamespace("chart-a");
    String b = cluster.createNamespace("chart-b");
    for (HasMetadata crd : HelmChart.crds()) {
      establish(admin, crd);
    }
    try (InputStream in = ChartManifestsIT.class.getResourceAsStream("servicemonitor-stand-in-crd.yaml")) {
      establish(admin, admin.apiextensions().v1().customResourceDefinitions().load(in).item());
    }

    Rendered namespaced = HelmChart.render(release, """
        watchNamespaces: [%s, %s]
        networkPolicy: {enabled: true}
        serviceMonitor: {enabled: true, labels: {release: prometheus}}
        dashboard: {enabled: true}
        rbac: {aggregateToDefaultRoles: true}
        apiPriority: {enabled: true}
        """.formatted(a, b));
    Rendered clusterWide = HelmChart.render(release, "");
    // Every policy the chart can render: the approval policy in both its forms, the write policy without
    // the opt-in labels, and none at all.
    Rendered verifiedApprovers = HelmChart.render(release, """
        watchNamespaces: [%s]
        approvals: {verifiedApprover: true}
        """.formatted(a));
    Rendered lastEditor = HelmChart.render(release, """
        approvals: {verifiedApprover: true, lastEditorCannotApprove: true}
        requireConfigMapOptIn: false
        """);
    Rendered noPolicies = HelmChart.render(release, "operatorWritePolicy: {enabled: false}\n");
    // Every value a platform team bends the chart with (issue 21), set at once.
    Rendered bent = HelmChart.render(release, """
        replicaCount: 1
        image:
          repository: registry.example.com/platform/flagramp
          digest: sha256:%s
        logLevel: debug
        webhookAllowlist: [https://hooks.slack.com/services/, "https://alerts.example.com:8443/hook"]
        extraEnv:
          - {name: HTTPS_PROXY, value: "http://proxy.corp.example:3128"}
          - name: PROXY_PASSWORD
            valueFrom: {secretKeyRef: {name: proxy, key: password, optional: true}}
        extraVolumes:
          - name: corporate-ca
            configMap: {name: corporate-ca, optional: true}
        extraVolumeMounts:
          - {name: corporate-ca, mountPath: /etc/flagramp/ca, readOnly: true}
        podSecurityContext:
          fsGroup: 65532
          supplementalGroups: [65532]
        containerSecurityContext:
          seccompProfile: {type: RuntimeDefault}
        podDisruptionBudget: {enabled: true}
        networkPolicy:
          enabled: true
          apiServer: {cidrs: [10.0.0.1/32], ports: [6443]}
          webhooks: {cidrs: [0.0.0.0/0], ports: [443, 8443]}
        serviceMonitor:
          enabled: true
          honorLabels: true
          relabelings:
            - {targetLabel: cluster, replacement: eu-1}
          metricRelabelings:
            - {sourceLabels: [__name__], regex: "jvm_gc_.*", action: drop}
        crds: {install: true, keep: false}
        """.formatted("0123456789abcdef".repeat(4)));
    assertThat(bent.objects()).extracting(HasMetadata::getKind).contains("CustomResourceDefinition",
        "PodDisruptionBudget", "NetworkPolicy", "ServiceMonitor");
    assertThat(namespaced.objects()).extracting(HasMetadata::getKind).contains("FlowSchema");
    assertThat(lastEditor.ofKind("ValidatingAdmissionPolicy")).hasSize(4);
    assertThat(lastEditor.ofKind("ValidatingAdmissionPolicyBinding")).hasSize(4);
    assertThat(noPolicies.objects()).extracting(HasMetadata::getKind).doesNotContain("ValidatingAdmissionPolicy");

    for (Rendered chart : List.of(namespaced, clusterWide, verifiedApprovers, lastEditor, noPolicies, bent)) {
      KubectlResult dryRun = dryRun(cluster, chart.yaml());
      assertThat(dryRun.exitCode()).as(dryRun.output()).isZero();
      // The CRD exists already (applied server-side above), so kubectl warns that its client-side
      // bookkeeping annotation is missing: about kubectl and the test bed, not about the chart.
      String warnings = dryRun.output().lines().filter(l -> !l.contains("kubectl.kubernetes.io/last-applied-configuration"))
          .collect(Collectors.joining("\n"));
      assertThat(warnings).as("no warning, PodSecurity's included").doesNotContainIgnoringCase("warning");
      assertThat(dryRun.output().lines().filter(l -> l.endsWith("(server dry run)")).count())
          .as(dryRun.output()).isEqualTo(chart.objects().size());
    }

    // A Deployment only warns about its pod template; a Pod is refused outright when it breaks the standard.
    Pod pod = new PodBuilder().withNewMetadata().withName("flagramp-pod-security").withNamespace(release).endMetadata()
        .withSpec(clusterWide.deployment().getSpec().getTemplate().getSpec()).build();
    admin.pods().inNamespace(release).resource(pod).dryRun().create();
    // The overrides keep the pod within the standard.
    admin.pods().inNamespace(release).resource(new PodBuilder(pod)
        .withSpec(bent.deployment().getSpec().getTemplate().getSpec()).build()).dryRun().create();
    Pod loose = new PodBuilder(pod).editSpec().withSecurityContext(null).editFirstContainer().withSecurityContext(null)
        .endContainer().endSpec().build();
    assertThatThrownBy(() -> admin.pods().inNamespace(release).resource(loose).dryRun().create())
        .as("the namespace enforces the restricted standard").isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("violates PodSecurity \"restricted");
  }

  @Test
  void strictServerSideValidationRefusesAFieldKubernetesDoesNotKnow(KubeTestCluster cluster) {
    String release = cluster.createNamespace("chart-typo");
    String typo = HelmChart.render(release, "").yaml()
        .replace("readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true");

    KubectlResult dryRun = dryRun(cluster, typo);

    assertThat(dryRun.exitCode()).isNotZero();
    assertThat(dryRun.output()).contains("unknown field").contains("readOnlyRootFileSystem");
  }

  private static KubectlResult dryRun(KubeTestCluster cluster, String yaml) {
    try {
      Path file = Files.createTempFile("flagramp-chart", ".yaml");
      try {
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
        return cluster.kubectl("apply", "--dry-run=server", "--validate=strict", "-f", file.toString());
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String restrictedNamespace(KubeTestCluster cluster, String prefix) {
    String ns = cluster.createNamespace(prefix);
    cluster.client().namespaces().withName(ns).edit(n -> {
      n.getMetadata().getLabels().put(RESTRICTED, "restricted");
      n.getMetadata().getLabels().put("pod-security.kubernetes.io/warn", "restricted");
      return n;
    });
    return ns;
  }

  private static void establish(KubernetesClient admin, HasMetadata crd) {
    admin.resource(crd).serverSideApply();
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      CustomResourceDefinition live = admin.apiextensions().v1().customResourceDefinitions()
          .withName(crd.getMetadata().getName()).get();
      return live.getStatus() != null && live.getStatus().getConditions().stream()
          .anyMatch(c -> c.getType().equals("Established") && c.getStatus().equals("True"));
    });
  }
}
