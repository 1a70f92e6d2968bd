package io.flagramp.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.flagramp.chart.HelmChart.Rendered;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The values a platform team bends the chart to its cluster with (issue 21): extra environment, volumes
 * and mounts, an image digest, security-context overrides, a PodDisruptionBudget that never blocks a
 * drain, webhook egress, ServiceMonitor labels and relabelling, the CRD switch and the log level.
 */
class ChartValuesTest {

  private static final String NS = "flagramp";
  private static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

  @Test
  void aCorporateCaAndAProxyGoInThroughExtraEnvVolumesAndMountsAfterTheChartsOwn() {
    Rendered chart = HelmChart.render(NS, """
        extraEnv:
          - {name: HTTPS_PROXY, value: "http://proxy.corp.example:3128"}
          - name: PROXY_PASSWORD
            valueFrom: {secretKeyRef: {name: proxy, key: password}}
        extraVolumes:
          - name: corporate-ca
            configMap: {name: corporate-ca}
        extraVolumeMounts:
          - {name: corporate-ca, mountPath: /etc/flagramp/ca, readOnly: true}
        """);
    PodSpec pod = chart.deployment().getSpec().getTemplate().getSpec();
    Container operator = pod.getContainers().get(0);

    List<EnvVar> env = chart.env();
    assertThat(env.subList(env.size() - 2, env.size())).extracting(EnvVar::getName)
        .containsExactly("HTTPS_PROXY", "PROXY_PASSWORD");
    assertThat(env.get(env.size() - 2).getValue()).isEqualTo("http://proxy.corp.example:3128");
    assertThat(env.get(env.size() - 1).getValueFrom().getSecretKeyRef().getName()).isEqualTo("proxy");
    assertThat(env).as("the chart's settings are all still there")
        .hasSize(HelmChart.render(NS, "").env().size() + 2);
    assertThat(pod.getVolumes()).extracting(Volume::getName).containsExactly("tmp", "corporate-ca");
    assertThat(pod.getVolumes().get(1).getConfigMap().getName()).isEqualTo("corporate-ca");
    assertThat(operator.getVolumeMounts()).extracting(VolumeMount::getMountPath)
        .containsExactly("/tmp", "/etc/flagramp/ca");
    assertThat(operator.getVolumeMounts().get(1).getReadOnly()).isTrue();
  }

  @Test
  void extraEnvThatWouldShadowAChartSettingIsRefusedNamingIt() {
    assertThatThrownBy(() -> HelmChart.render(NS, "extraEnv: [{name: FLAGRAMP_LOG_FORMAT, value: text}]\n"))
        .hasMessageContaining("extraEnv sets FLAGRAMP_LOG_FORMAT, which the chart sets from its values");
    assertThatThrownBy(() -> HelmChart.render(NS, "extraEnv: [{name: JAVA_TOOL_OPTIONS, value: -Xmx1g}]\n"))
        .hasMessageContaining("extraEnv sets JAVA_TOOL_OPTIONS");
  }

  @Test
  void aDigestNamesTheImageExactlyWhateverTheTagSays() {
    Container operator = HelmChart.render(NS, """
        image: {repository: registry.example.com/flagramp, tag: "1.2.3", digest: %s}
        """.formatted(DIGEST)).deployment().getSpec().getTemplate().getSpec().getContainers().get(0);

    assertThat(operator.getImage()).isEqualTo("registry.example.com/flagramp@" + DIGEST);
  }

  @Test
  void logLevelBecomesFlagrampLogLevelAndIsLeftToTheOperatorWhenEmpty() {
    assertThat(HelmChart.render(NS, "logLevel: debug\n").env(Map.of("metadata.namespace", NS,
        "metadata.name", "p"))).containsEntry("FLAGRAMP_LOG_LEVEL", "debug");
    assertThat(HelmChart.render(NS, "").env()).extracting(EnvVar::getName).doesNotContain("FLAGRAMP_LOG_LEVEL");
  }

  @Test
  void securityContextOverridesAreSetOverTheRestrictedDefaultsAndKeepTheRest() {
    PodSpec pod = HelmChart.render(NS, """
        podSecurityContext:
          fsGroup: 2000
          seccompProfile: {type: Localhost, localhostProfile: profiles/flagramp.json}
        containerSecurityContext:
          seLinuxOptions: {type: spc_t}
        """).deployment().getSpec().getTemplate().getSpec();
    PodSecurityContext podContext = pod.getSecurityContext();
    SecurityContext container = pod.getContainers().get(0).getSecurityContext();

    assertThat(podContext.getFsGroup()).isEqualTo(2000L);
    assertThat(podContext.getSeccompProfile().getType()).isEqualTo("Localhost");
    assertThat(podContext.getSeccompProfile().getLocalhostProfile()).isEqualTo("profiles/flagramp.json");
    assertThat(podContext.getRunAsNonRoot()).isTrue();
    assertThat(podContext.getRunAsUser()).isEqualTo(65532L);
    assertThat(container.getSeLinuxOptions().getType()).isEqualTo("spc_t");
    assertThat(container.getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(container.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");

    // OpenShift's restricted SCCs assign the user and group: the chart's fixed ones can go.
    PodSecurityContext openShift = HelmChart.render(NS, """
        securityContext: {runAsUser: null, runAsGroup: null}
        containerSecurityContext: {runAsNonRoot: true}
        """).deployment().getSpec().getTemplate().getSpec().getSecurityContext();
    assertThat(openShift.getRunAsUser()).isNull();
    assertThat(openShift.getRunAsGroup()).isNull();
    assertThat(openShift.getRunAsNonRoot()).isTrue();
  }

  @Test
  void withOneReplicaTheBudgetLetsItGoAndWithMoreItKeepsOne() {
    PodDisruptionBudget single = HelmChart.render(NS, "replicaCount: 1\n").one(PodDisruptionBudget.class);
    assertThat(single.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(single.getSpec().getMinAvailable()).isNull();
    assertThat(single.getSpec().getUnhealthyPodEvictionPolicy()).isEqualTo("AlwaysAllow");

    PodDisruptionBudget two = HelmChart.render(NS, "").one(PodDisruptionBudget.class);
    assertThat(two.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
    assertThat(two.getSpec().getMaxUnavailable()).isNull();

    PodDisruptionBudget three = HelmChart.render(NS, """
        replicaCount: 3
        podDisruptionBudget: {minAvailable: "60%"}
        """).one(PodDisruptionBudget.class);
    assertThat(three.getSpec().getMinAvailable().getStrVal()).as("60% of 3 keeps 2 of 3").isEqualTo("60%");

    assertThat(HelmChart.render(NS, "podDisruptionBudget: {enabled: false}\n").all(PodDisruptionBudget.class))
        .isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      podDisruptionBudget: {minAvailable: 2}                       | minAvailable 2 keeps all 2 replicas
      {replicaCount: 3, podDisruptionBudget: {minAvailable: 3}}     | minAvailable 3 keeps all 3 replicas
      podDisruptionBudget: {minAvailable: "100%"}                  | minAvailable 100% keeps all 2 replicas
      {replicaCount: 3, podDisruptionBudget: {minAvailable: "70%"}} | minAvailable 70% keeps all 3 replicas
      """)
  void aBudgetThatWouldBlockEveryDrainIsRefused(String values, String message) {
    assertThatThrownBy(() -> HelmChart.render(NS, values + "\n"))
        .hasMessageContaining("podDisruptionBudget." + message + ", so it would block every node drain");
  }

  @Test
  void webhooksHaveTheirOwnEgressRuleSoNarrowingTheApiServersLeavesThemOpen() {
    Rendered chart = HelmChart.render(NS, """
        webhookAllowlist: [https://hooks.slack.com/services/, "*.chat.example.com"]
        networkPolicy:
          enabled: true
          apiServer: {cidrs: [172.20.0.10/32], ports: [6443]}
          webhooks: {cidrs: [0.0.0.0/0], ports: [443]}
        """);
    List<NetworkPolicyEgressRule> egress = chart.one(NetworkPolicy.class).getSpec().getEgress();

    assertThat(egress).extracting(ChartValuesTest::describe).containsExactly(
        "[172.20.0.10/32] TCP/6443", "[] TCP/9090", "[0.0.0.0/0] TCP/443", "[] UDP/53 TCP/53");

    // Behind an egress proxy: the proxy's address, its port and the webhooks'.
    List<NetworkPolicyEgressRule> proxied = HelmChart.render(NS, """
        webhookAllowlist: ["https://alerts.example.com:8443/hook"]
        networkPolicy:
          enabled: true
          webhooks: {cidrs: [10.20.0.5/32], ports: [3128, 8443]}
        """).one(NetworkPolicy.class).getSpec().getEgress();
    assertThat(proxied).extracting(ChartValuesTest::describe).contains("[10.20.0.5/32] TCP/3128 TCP/8443");

    List<NetworkPolicyEgressRule> none = HelmChart.render(NS, """
        networkPolicy: {enabled: true, webhooks: {cidrs: [], ports: [443]}}
        """).one(NetworkPolicy.class).getSpec().getEgress();
    assertThat(none).as("no webhooks allowed, no webhook rule").hasSize(3);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      https://alerts.example.com:8443/hook | webhookAllowlist has https://alerts.example.com:8443/hook, on port 8443, which networkPolicy.webhooks.ports does not open
      http://receiver.tools.svc/hook       | webhookAllowlist has http://receiver.tools.svc/hook, on port 80, which networkPolicy.webhooks.ports does not open
      """)
  void aWebhookThePolicyWouldCutIsRefusedAtRenderTime(String webhook, String message) {
    assertThatThrownBy(() -> HelmChart.render(NS, """
        webhookAllowlist: ["%s"]
        networkPolicy: {enabled: true}
        """.formatted(webhook))).hasMessageContaining(message);
    assertThatThrownBy(() -> HelmChart.render(NS, """
        webhookAllowlist: [https://hooks.slack.com/services/]
        networkPolicy: {enabled: true, webhooks: {cidrs: [], ports: [443]}}
        """)).hasMessageContaining("networkPolicy.webhooks.cidrs is empty: notifications to it are cut");
  }

  @Test
  void theServiceMonitorHonoursTheSeriesNamespaceLabelAndCarriesRelabelings() {
    GenericKubernetesResource defaults = (GenericKubernetesResource) HelmChart.render(NS,
        "serviceMonitor: {enabled: true}\n").ofKind("ServiceMonitor").get(0);
    assertThat(defaults.<Boolean>get("spec", "endpoints", 0, "honorLabels")).isTrue();
    assertThat(defaults.<Object>get("spec", "endpoints", 0, "relabelings")).isNull();

    GenericKubernetesResource relabelled = (GenericKubernetesResource) HelmChart.render(NS, """
        serviceMonitor:
          enabled: true
          honorLabels: false
          relabelings:
            - {targetLabel: cluster, replacement: eu-1}
          metricRelabelings:
            - {sourceLabels: [__name__], regex: "jvm_gc_.*", action: drop}
        """).ofKind("ServiceMonitor").get(0);
    assertThat(relabelled.<Boolean>get("spec", "endpoints", 0, "honorLabels")).isFalse();
    assertThat(relabelled.<String>get("spec", "endpoints", 0, "relabelings", 0, "targetLabel")).isEqualTo("cluster");
    assertThat(relabelled.<String>get("spec", "endpoints", 0, "metricRelabelings", 0, "action")).isEqualTo("drop");
  }

  @Test
  @SuppressWarnings("unchecked")
  void chartYamlSaysWhereTheProjectLivesWhoKeepsItAndWhatItIsAbout() throws IOException {
    Map<?, ?> chart = new ObjectMapper(new YAMLFactory()).readValue(HelmChart.DIR.resolve("Chart.yaml").toFile(),
        Map.class);

    assertThat((String) chart.get("home")).startsWith("https://");
    assertThat((List<?>) chart.get("sources")).isNotEmpty();
    assertThat((List<?>) chart.get("maintainers")).isNotEmpty();
    assertThat((List<Object>) chart.get("keywords")).contains("feature-flags", "operator");
    String icon = (String) chart.get("icon");
    assertThat(icon).startsWith("https://").endsWith("/helm/flagramp/icon.svg");
    assertThat(HelmChart.DIR.resolve("icon.svg")).content().contains("<svg");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      image: {repository: a, digest: "sha256:abc"}                  | at '/image/digest'
      image: {repository: a, digest: 123}                            | at '/image/digest': got number, want string
      logLevel: trace                                                | at '/logLevel': value must be one of
      logLevel: 3                                                    | at '/logLevel'
      extraEnv: {HTTPS_PROXY: x}                                     | at '/extraEnv': got object, want array
      extraEnv: [{value: x}]                                         | at '/extraEnv/0': missing property 'name'
      extraEnv: [{name: A, value: 1}]                                | at '/extraEnv/0/value': got number, want string
      extraEnv: [{name: A, valueFrom: {secretRef: {}}}]               | at '/extraEnv/0/valueFrom'
      extraVolumes: [{name: ca}]                                     | at '/extraVolumes/0'
      extraVolumes: [{name: Ca, configMap: {name: ca}}]              | at '/extraVolumes/0/name'
      extraVolumeMounts: [{name: ca, mountPath: etc/ca}]             | at '/extraVolumeMounts/0/mountPath'
      extraVolumeMounts: [{name: ca, mountPath: /ca, readOnly: "y"}] | at '/extraVolumeMounts/0/readOnly': got string, want boolean
      podSecurityContext: {fsGroup: "2000"}                          | at '/podSecurityContext/fsGroup': got string, want integer
      podSecurityContext: {fsgroup: 2000}                            | additional properties 'fsgroup' not allowed
      containerSecurityContext: {privileged: "false"}                | at '/containerSecurityContext/privileged': got string, want boolean
      containerSecurityContext: {capabilities: {drop: ALL}}          | at '/containerSecurityContext/capabilities/drop': got string, want array
      podDisruptionBudget: {maxUnavailable: 1}                       | additional properties 'maxUnavailable' not allowed
      serviceMonitor: {honorLabels: "true"}                          | at '/serviceMonitor/honorLabels': got string, want boolean
      serviceMonitor: {relabelings: [{action: delete}]}              | at '/serviceMonitor/relabelings/0/action'
      serviceMonitor: {metricRelabelings: [{source_labels: [a]}]}    | additional properties 'source_labels' not allowed
      networkPolicy: {webhooks: {cidrs: [example.com], ports: [443]}} | at '/networkPolicy/webhooks/cidrs/0'
      networkPolicy: {webhooks: {cidrs: [], ports: [0]}}             | at '/networkPolicy/webhooks/ports/0'
      crds: {install: "yes"}                                         | at '/crds/install': got string, want boolean
      crds: {enabled: true}                                          | at '/crds': additional properties 'enabled' not allowed
      """)
  void theSchemaRejectsAWrongTypeOrShapeOfANewValue(String values, String message) {
    assertThatThrownBy(() -> HelmChart.render(NS, values + "\n"))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(message);
  }

  private static String describe(NetworkPolicyEgressRule rule) {
    List<String> cidrs = rule.getTo().stream().filter(p -> p.getIpBlock() != null)
        .map(p -> p.getIpBlock().getCidr()).toList();
    return cidrs + rule.getPorts().stream().map(p -> " " + p.getProtocol() + "/" + p.getPort().getIntVal())
        .reduce("", String::concat);
  }
}
