package io.flagramp.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flagramp.chart.HelmChart.Rendered;
import io.flagramp.core.Approvers;
import io.flagramp.operator.JosdkMetrics;
import io.flagramp.operator.OperatorMetrics;
import io.flagramp.operator.OperatorSettings;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The chart as real Helm lints and renders it, and what the rendered objects grant and run. */
class HelmChartTest {

  private static final String NS = "flagramp";
  private static final Map<String, String> POD = Map.of("metadata.namespace", NS, "metadata.name", "flagramp-0");

  @Test
  void lintsCleanInStrictMode() {
    LintResult lint = HelmChart.lint();

    assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    // Strict mode fails on warnings; what is left is at most Helm's advice to add an icon.
    assertThat(lint.getMessages()).allMatch(m -> m.startsWith("[INFO]"));
  }

  @Test
  void defaultsRunTwoReplicasOfTheProjectsImageUnderTheRestrictedPodSecurityStandard() throws IOException {
    Deployment deployment = HelmChart.render(NS, "").deployment();
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Container operator = pod.getContainers().get(0);

    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(Files.readString(HelmChart.DIR.resolve("Chart.yaml")))
        .contains("appVersion: \"" + HelmChart.projectVersion() + "\"");
    assertThat(operator.getImage()).isEqualTo("flagramp/operator:" + HelmChart.projectVersion());
    assertThat(operator.getImagePullPolicy()).isEqualTo("IfNotPresent");
    assertThat(pod.getServiceAccountName()).isEqualTo("flagramp");

    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
    assertThat(pod.getSecurityContext().getRunAsGroup()).isEqualTo(65532L);
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(operator.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(operator.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(operator.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(operator.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(operator.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(operator.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(operator.getVolumeMounts()).singleElement()
        .satisfies(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    assertThat(pod.getVolumes()).singleElement().satisfies(v -> {
      assertThat(v.getName()).isEqualTo(operator.getVolumeMounts().get(0).getName());
      assertThat(v.getEmptyDir()).isNotNull();
    });

    assertThat(operator.getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("http");
      assertThat(p.getContainerPort()).isEqualTo(8080);
    });
    assertThat(operator.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(operator.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(operator.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(operator.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(operator.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");

    assertThat(operator.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(operator.getResources().getRequests().get("memory").toString()).isEqualTo("384Mi");
    assertThat(operator.getResources().getLimits().get("memory").toString()).isEqualTo("512Mi");
    assertThat(operator.getResources().getLimits()).doesNotContainKey("cpu");
  }

  @Test
  void replicasSpreadOverNodesAndZonesAndADrainKeepsOne() {
    Rendered chart = HelmChart.render(NS, "");
    Deployment deployment = chart.deployment();
    Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
    Map<String, String> selector = deployment.getSpec().getSelector().getMatchLabels();
    assertThat(podLabels).containsAllEntriesOf(selector);

    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(pod.getTopologySpreadConstraints()).extracting(TopologySpreadConstraint::getTopologyKey)
        .containsExactly("kubernetes.io/hostname", "topology.kubernetes.io/zone");
    assertThat(pod.getTopologySpreadConstraints())
        .allSatisfy(c -> assertThat(c.getLabelSelector().getMatchLabels()).isEqualTo(selector));
    assertThat(pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
        .singleElement().satisfies(t -> {
          assertThat(t.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
          assertThat(t.getPodAffinityTerm().getLabelSelector().getMatchLabels()).isEqualTo(selector);
        });

    PodDisruptionBudget pdb = chart.one(PodDisruptionBudget.class);
    assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
    assertThat(pdb.getSpec().getUnhealthyPodEvictionPolicy()).isEqualTo("AlwaysAllow");
    assertThat(pdb.getSpec().getSelector().getMatchLabels()).isEqualTo(selector);

    Service service = chart.one(Service.class);
    assertThat(service.getSpec().getSelector()).isEqualTo(selector);
    assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("http-metrics");
      assertThat(p.getPort()).isEqualTo(8080);
      assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
    });
  }

  @Test
  void envIsWhatTheOperatorReadsAndItAcceptsIt() {
    Rendered chart = HelmChart.render(NS, "");
    Map<String, String> env = chart.env(POD);

    assertThat(chart.env()).filteredOn(e -> e.getValueFrom() != null)
        .extracting(e -> e.getName() + "=" + e.getValueFrom().getFieldRef().getFieldPath())
        .containsExactlyInAnyOrder("POD_NAMESPACE=metadata.namespace", "FLAGRAMP_INSTANCE=metadata.name");
    assertThat(env).containsEntry("FLAGRAMP_LEADER_ELECTION", "true")
        .containsEntry("FLAGRAMP_LEASE_NAMESPACE", NS)
        .containsEntry("FLAGRAMP_LEASE_NAME", "flagramp")
        .containsEntry("FLAGRAMP_HTTP_PORT", "8080")
        .containsEntry("FLAGRAMP_NAMESPACES", "")
        .containsEntry("FLAGRAMP_PROMETHEUS_ADDRESS", "http://prometheus-operated.monitoring.svc:9090")
        .containsEntry("FLAGRAMP_PROMETHEUS_ALLOWLIST", "http://prometheus-operated.monitoring.svc:9090")
        .containsEntry("FLAGRAMP_PROMETHEUS_TENANT_LABEL", "")
        .containsEntry("FLAGRAMP_REQUIRE_CONFIGMAP_OPT_IN", "true")
        .containsEntry("FLAGRAMP_VERIFIED_APPROVER", "false")
        .containsEntry("FLAGRAMP_LAST_EDITOR_CANNOT_APPROVE", "false")
        .containsEntry("FLAGRAMP_LOG_FORMAT", "json")
        .containsEntry("FLAGRAMP_RESYNC_INTERVAL", "60s")
        .containsEntry("FLAGRAMP_PENDING_RETRY_INTERVAL", "15s")
        .containsEntry("FLAGRAMP_HISTORY_LIMIT", "20")
        .containsEntry("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75")
        .containsEntry("FLAGRAMP_SHARD", "")
        .containsEntry("FLAGRAMP_SHARDS", "")
        .containsEntry("FLAGRAMP_DEFAULT_SHARD", "")
        .containsEntry("FLAGRAMP_SHARD_SELECTOR", "");
    Set<String> known = Arrays.stream(OperatorSettings.Setting.values()).map(s -> s.key).collect(Collectors.toSet());
    assertThat(env.keySet()).filteredOn(k -> k.startsWith("FLAGRAMP_")).isSubsetOf(known);

    // The operator's own parser takes the environment as the pod gives it.
    OperatorSettings settings = OperatorSettings.from(env);
    assertThat(settings.leaderElection()).isTrue();
    assertThat(settings.leaseNamespace()).contains(NS);
    assertThat(settings.instance()).isEqualTo("flagramp-0");
    assertThat(settings.namespaces()).isEmpty();
    assertThat(settings.prometheusAllowlist().allows("http://prometheus-operated.monitoring.svc:9090")).isTrue();
    assertThat(settings.prometheusAllowlist().allows("http://attacker.example:9090")).isFalse();
    assertThat(settings.prometheusAllowlist().allows("http://169.254.169.254/latest")).isFalse();
    assertThat(env).as("no allow-all default for webhooks").containsEntry("FLAGRAMP_WEBHOOK_ALLOWLIST", "");
    assertThat(settings.webhookAllowlist().isEmpty()).isTrue();
    assertThat(settings.logFormat()).isEqualTo("json");
    assertThat(settings.shard().sharded()).as("one release owns every ScalingChange").isFalse();
    assertThat(settings.prometheusTenantLabel()).as("PromQL as written by default").isEmpty();

    Map<String, String> custom = HelmChart.render(NS, """
        watchNamespaces: [team-a, team-b]
        prometheus:
          address: https://prometheus.example.svc:9091/prom
          allowlist: [https://prometheus.example.svc:9091, "*.monitoring.svc"]
        requireConfigMapOptIn: false
        webhookAllowlist: [https://hooks.slack.com/services/, "*.chat.example.com"]
        logFormat: text
        resyncInterval: 2m
        pendingRetryInterval: 30s
        historyLimit: 50
        """).env(POD);
    OperatorSettings customSettings = OperatorSettings.from(custom);
    assertThat(customSettings.namespaces()).containsExactly("team-a", "team-b");
    assertThat(customSettings.prometheusAddress()).contains("https://prometheus.example.svc:9091/prom");
    assertThat(customSettings.prometheusAllowlist().allows("http://thanos.monitoring.svc:9090")).isTrue();
    assertThat(customSettings.webhookAllowlist().allows("https://alerts.chat.example.com/hook")).isTrue();
    assertThat(customSettings.webhookAllowlist().allows("https://hooks.slack.com/other/x")).isFalse();
    assertThat(customSettings.requireConfigMapOptIn()).isFalse();
    assertThat(customSettings.logFormat()).isEqualTo("text");
    assertThat(customSettings.resyncInterval()).hasMinutes(2);
    assertThat(customSettings.historyLimit()).isEqualTo(50);
  }

  @Test
  void behindALabelEnforcingProxyTheOperatorScopesQueriesByTheTenantLabelAndAllowsOnlyTheProxy() {
    Map<String, String> env = HelmChart.render(NS, """
        prometheus:
          address: http://prom-label-proxy.monitoring.svc:8080
          allowlist: [http://prom-label-proxy.monitoring.svc:8080]
          tenantLabel: namespace
        """).env(POD);

    OperatorSettings settings = OperatorSettings.from(env);
    assertThat(settings.prometheusTenantLabel()).contains("namespace");
    assertThat(settings.prometheusAllowlist().allows("http://prometheus-operated.monitoring.svc:9090")).isFalse();
    assertThatThrownBy(() -> OperatorSettings.from(HelmChart.render(NS, """
        prometheus:
          allowlist: [http://prom-label-proxy.monitoring.svc:8080]
          tenantLabel: namespace
        """).env(POD))).as("the default address left at Prometheus itself, which no proxy scopes")
        .hasMessageContaining("FLAGRAMP_PROMETHEUS_ADDRESS is not in FLAGRAMP_PROMETHEUS_ALLOWLIST");
  }

  @Test
  void eachShardIsAReleaseThatOwnsItsLabelAndLeadsOnItsOwnLeaseWithRbacForThatLeaseOnly() {
    String shared = """
        sharding:
          shards: [a, b]
          defaultShard: a
        """;
    Rendered a = HelmChart.render("flagramp-a", NS, shared + "  shard: a\n");
    // The CRD is one per cluster: the default shard's release owns it, the others leave it out.
    Rendered b = HelmChart.render("flagramp-b", NS, shared + "  shard: b\ncrds: {install: false}\n");
    Map<String, String> aEnv = a.env(Map.of("metadata.namespace", NS, "metadata.name", "flagramp-a-0"));
    Map<String, String> bEnv = b.env(Map.of("metadata.namespace", NS, "metadata.name", "flagramp-b-0"));

    assertThat(aEnv).containsEntry("FLAGRAMP_SHARD", "a").containsEntry("FLAGRAMP_SHARDS", "a,b")
        .containsEntry("FLAGRAMP_DEFAULT_SHARD", "a").containsEntry("FLAGRAMP_SHARD_SELECTOR", "");
    OperatorSettings aSettings = OperatorSettings.from(aEnv);
    OperatorSettings bSettings = OperatorSettings.from(bEnv);
    assertThat(aSettings.shard().selector()).hasToString("flagramp.io/shard notin (b)");
    assertThat(aSettings.shard().takesUnlabelled()).isTrue();
    assertThat(bSettings.shard().selector()).hasToString("flagramp.io/shard in (b)");

    // Each shard leads on the Lease of its release, and may touch no other.
    assertThat(aSettings.leaseName()).isEqualTo("flagramp-a");
    assertThat(bSettings.leaseName()).isEqualTo("flagramp-b");
    assertLeaseRole(a, "flagramp-a");
    assertLeaseRole(b, "flagramp-b");
    // Two releases in one namespace, or cluster-wide, name nothing alike.
    Set<String> aNames = a.objects().stream().map(o -> o.getKind() + "/" + o.getMetadata().getName())
        .collect(Collectors.toSet());
    assertThat(b.objects()).extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
        .doesNotContainAnyElementsOf(aNames);
    assertThat(b.one(ClusterRole.class).getRules()).isEqualTo(a.one(ClusterRole.class).getRules());

    OperatorSettings bySelector = OperatorSettings.from(HelmChart.render("flagramp-payments", NS, """
        sharding:
          shard: payments
          selector: team in (payments, billing)
        """).env(POD));
    assertThat(bySelector.shard().selector()).hasToString("team in (billing,payments)");
  }

  @Test
  void aNamespacedInstallGrantsARolePerWatchedNamespaceAndNothingClusterWide() {
    Rendered chart = HelmChart.render(NS, "watchNamespaces: [a, b]\n");

    assertThat(chart.all(ClusterRole.class)).isEmpty();
    assertThat(chart.all(ClusterRoleBinding.class)).isEmpty();
    List<Role> operatorRoles = chart.all(Role.class).stream()
        .filter(r -> r.getMetadata().getName().equals("flagramp")).toList();
    assertThat(operatorRoles).extracting(r -> r.getMetadata().getNamespace()).containsExactly("a", "b");
    operatorRoles.forEach(r -> assertOperatorRules(r.getRules()));
    assertThat(chart.all(RoleBinding.class)).filteredOn(b -> b.getMetadata().getName().equals("flagramp"))
        .extracting(b -> b.getMetadata().getNamespace()).containsExactly("a", "b");
    assertThat(chart.all(RoleBinding.class)).allSatisfy(b -> {
      assertThat(b.getRoleRef().getKind()).isEqualTo("Role");
      assertThat(b.getRoleRef().getName()).isEqualTo(b.getMetadata().getName());
      assertThat(b.getSubjects()).singleElement().satisfies(s -> {
        assertThat(s.getKind()).isEqualTo("ServiceAccount");
        assertThat(s.getName()).isEqualTo(chart.one(ServiceAccount.class).getMetadata().getName());
        assertThat(s.getNamespace()).isEqualTo(NS);
      });
    });
    assertLeaseRole(chart);
    assertThat(chart.env(POD)).containsEntry("FLAGRAMP_NAMESPACES", "a,b");
  }

  @Test
  void watchingAllNamespacesGrantsTheSameRulesInAClusterRole() {
    Rendered chart = HelmChart.render(NS, "watchNamespaces: []\n");

    assertThat(chart.one(ClusterRole.class).getMetadata().getName()).isEqualTo("flagramp");
    assertOperatorRules(chart.one(ClusterRole.class).getRules());
    ClusterRoleBinding binding = chart.one(ClusterRoleBinding.class);
    assertThat(binding.getRoleRef().getName()).isEqualTo("flagramp");
    assertThat(binding.getSubjects()).singleElement()
        .satisfies(s -> assertThat(s.getNamespace() + "/" + s.getName()).isEqualTo(NS + "/flagramp"));
    // The only Role is the Lease's.
    assertThat(chart.all(Role.class)).extracting(r -> r.getMetadata().getName())
        .containsExactly("flagramp-leader-election");
    assertLeaseRole(chart);
  }

  @Test
  void aggregatedRolesForUsersAreOnlyThereWhenAskedFor() {
    assertThat(HelmChart.render(NS, "watchNamespaces: [a]\n").all(ClusterRole.class)).isEmpty();

    List<ClusterRole> aggregated = HelmChart.render(NS, """
        watchNamespaces: [a]
        rbac:
          aggregateToDefaultRoles: true
        """).all(ClusterRole.class);
    assertThat(aggregated).extracting(r -> r.getMetadata().getName())
        .containsExactly("flagramp-scalingchanges-view", "flagramp-scalingchanges-edit");
    assertThat(aggregated.get(0).getMetadata().getLabels())
        .containsEntry("rbac.authorization.k8s.io/aggregate-to-view", "true");
    assertThat(aggregated.get(1).getMetadata().getLabels())
        .doesNotContainKey("rbac.authorization.k8s.io/aggregate-to-view")
        .containsEntry("rbac.authorization.k8s.io/aggregate-to-edit", "true");
    assertThat(aggregated).flatExtracting(ClusterRole::getRules).allSatisfy(r -> {
      assertThat(r.getApiGroups()).containsExactly("flagramp.io");
      assertThat(r.getResources()).allMatch(res -> res.startsWith("scalingchanges"));
    });
  }

  @Test
  void withoutRbacOrServiceAccountTheChartRendersNeither() {
    Rendered chart = HelmChart.render(NS, """
        rbac:
          create: false
        serviceAccount:
          create: false
          name: platform-managed
        """);
    assertThat(chart.objects()).noneMatch(o -> o.getKind().contains("Role") || o.getKind().equals("ServiceAccount"));
    assertThat(chart.deployment().getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo("platform-managed");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      logFormat: xml                              | at '/logFormat': value must be one of 'json', 'text'
      logFromat: json                             | additional properties 'logFromat' not allowed
      image: {repository: a, tags: b}             | at '/image': additional properties 'tags' not allowed
      replicaCount: two                           | at '/replicaCount': got string, want integer
      watchNamespaces: [Team_A]                   | at '/watchNamespaces/0'
      resyncInterval: 1 minute                    | at '/resyncInterval'
      requireConfigMapOptIn: "yes"                | at '/requireConfigMapOptIn': got string, want boolean
      prometheus: {address: prometheus:9090}      | at '/prometheus/address'
      securityContext: {runAsUser: 0}             | at '/securityContext/runAsUser'
      networkPolicy: {enabled: true, egress: []}  | at '/networkPolicy': additional properties 'egress' not allowed
      sharding: {shard: Shard_A}                  | at '/sharding/shard'
      sharding: {shard: a, shards: [a, a]}        | at '/sharding/shards'
      sharding: {shards: [a, b]}                  | at '/sharding/shards'
      sharding: {defaultShard: a}                 | at '/sharding/defaultShard'
      operatorWritePolicy: {enabled: "yes"}       | at '/operatorWritePolicy/enabled': got string, want boolean
      operatorWritePolicy: {enable: true}         | at '/operatorWritePolicy': additional properties 'enable' not allowed
      approvals: {verified: true}                 | at '/approvals': additional properties 'verified' not allowed
      approvals: {lastEditorCannotApprove: true}  | at '/approvals/verifiedApprover'
      """)
  void theValuesSchemaRejectsABadValue(String values, String message) {
    assertThatThrownBy(() -> HelmChart.render(NS, values + "\n"))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(message);
  }

  @Test
  void optionalObjectsAreRenderedOnlyWhenEnabled() throws IOException {
    Rendered defaults = HelmChart.render(NS, "");
    assertThat(defaults.objects()).extracting(HasMetadata::getKind)
        .doesNotContain("NetworkPolicy", "ServiceMonitor", "ConfigMap");

    Rendered everything = HelmChart.render(NS, """
        networkPolicy:
          enabled: true
        serviceMonitor:
          enabled: true
          labels: {release: prometheus}
        dashboard:
          enabled: true
          namespace: grafana
        """);
    NetworkPolicy policy = everything.one(NetworkPolicy.class);
    assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress", "Egress");
    assertThat(policy.getSpec().getPodSelector().getMatchLabels())
        .isEqualTo(everything.deployment().getSpec().getSelector().getMatchLabels());
    assertThat(policy.getSpec().getIngress()).singleElement().satisfies(i -> {
      assertThat(i.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getStrVal()).isEqualTo("http"));
      assertThat(i.getFrom()).isNotEmpty();
    });
    assertThat(policy.getSpec().getEgress()).flatExtracting(e -> e.getPorts())
        .extracting(p -> p.getProtocol() + "/" + (p.getPort().getIntVal()))
        .containsExactly("TCP/443", "TCP/6443", "TCP/9090", "TCP/443", "UDP/53", "TCP/53");

    GenericKubernetesResource monitor = (GenericKubernetesResource) everything.ofKind("ServiceMonitor").get(0);
    assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
    assertThat(monitor.<String>get("spec", "endpoints", 0, "port")).isEqualTo("http-metrics");
    assertThat(monitor.<String>get("spec", "endpoints", 0, "path")).isEqualTo("/metrics");

    ConfigMap dashboard = everything.one(ConfigMap.class);
    assertThat(dashboard.getMetadata().getNamespace()).isEqualTo("grafana");
    assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    assertThat(new ObjectMapper().readTree(dashboard.getData().get("flagramp.json")))
        .isEqualTo(new ObjectMapper().readTree(HelmChart.DASHBOARD.toFile()));
  }

  @Test
  void theCrdIsATemplateOfTheReleaseSoHelmUpgradesItAndUninstallKeepsIt() throws IOException {
    Rendered chart = HelmChart.render(NS, "");
    List<HasMetadata> crds = chart.ofKind("CustomResourceDefinition");

    assertThat(crds).singleElement().satisfies(crd -> {
      assertThat(crd.getMetadata().getName()).isEqualTo("scalingchanges.flagramp.io");
      assertThat(crd.getMetadata().getAnnotations()).containsExactly(Map.entry("helm.sh/resource-policy", "keep"));
      assertThat(crd.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "Helm")
          .containsEntry("app.kubernetes.io/instance", "flagramp");
    });
    // Nothing in Helm's crds/, which helm install applies once and helm upgrade never touches.
    assertThat(HelmChart.DIR.resolve("crds")).doesNotExist();
    // The build's antrun check keeps the chart's file equal to the generated CRD; the template adds only
    // the labels and the policy.
    Path file = HelmChart.DIR.resolve("files").resolve("crds").resolve("scalingchanges.flagramp.io-v1.yml");
    assertThat(file).hasSameTextualContentAs(Path.of("crds", "scalingchanges.flagramp.io-v1.yml"));
    CustomResourceDefinition rendered = (CustomResourceDefinition) crds.get(0);
    CustomResourceDefinition generated = new KubernetesSerialization().unmarshal(Files.readString(file),
        CustomResourceDefinition.class);
    rendered.getMetadata().setLabels(generated.getMetadata().getLabels());
    rendered.getMetadata().setAnnotations(generated.getMetadata().getAnnotations());
    assertThat(rendered).isEqualTo(generated);

    assertThat(HelmChart.render(NS, "crds: {keep: false}\n").ofKind("CustomResourceDefinition")).singleElement()
        .satisfies(crd -> assertThat(crd.getMetadata().getAnnotations()).isNullOrEmpty());
    assertThat(HelmChart.render(NS, "crds: {install: false}\n").ofKind("CustomResourceDefinition")).isEmpty();
  }

  @Test
  void theDashboardGraphsOnlyMetricsTheOperatorExports() throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(HelmChart.DASHBOARD.toFile());
    List<String> exprs = new ArrayList<>();
    dashboard.findValues("expr").forEach(e -> exprs.add(e.asText()));
    dashboard.path("templating").path("list").forEach(v -> {
      if (v.has("definition")) {
        exprs.add(v.get("definition").asText());
      }
    });
    Set<String> used = new TreeSet<>();
    Matcher m = Pattern.compile("\\b((?:flagramp|jvm)_[a-z_]+)").matcher(String.join("\n", exprs));
    while (m.find()) {
      used.add(m.group(1));
    }

    PrometheusRegistry registry = new PrometheusRegistry();
    OperatorMetrics.withJvm(registry);
    new JosdkMetrics(registry);
    Set<String> exported = new HashSet<>();
    for (MetricSnapshot s : registry.scrape()) {
      String name = s.getMetadata().getPrometheusName();
      if (s instanceof CounterSnapshot) {
        exported.add(name + "_total");
      } else if (s instanceof HistogramSnapshot) {
        exported.addAll(List.of(name + "_bucket", name + "_sum", name + "_count"));
      } else {
        exported.add(name);
      }
    }

    assertThat(used).isSubsetOf(exported).contains(
        "flagramp_change_weight", "flagramp_change_info", "flagramp_metric_value", "flagramp_steps_entered_total",
        "flagramp_reverts_total", "flagramp_holds_total", "flagramp_queries_total", "flagramp_query_errors_total",
        "flagramp_api_write_failures_total", "flagramp_reconcile_duration_seconds_bucket",
        "flagramp_query_duration_seconds_bucket", "flagramp_josdk_reconciliations_started_total",
        "jvm_memory_used_bytes");
    assertThat(exprs).anyMatch(e -> e.contains("sum by (phase) (flagramp_change_info"))
        .anyMatch(e -> e.contains("jvm_memory_used_bytes{area=\"heap\""))
        .anyMatch(e -> e.startsWith("histogram_quantile(0.99") && e.contains("flagramp_reconcile_duration_seconds"))
        .anyMatch(e -> e.startsWith("histogram_quantile(0.99") && e.contains("flagramp_query_duration_seconds"));
    assertThat(dashboard.path("panels").findValues("id")).extracting(JsonNode::asInt).doesNotHaveDuplicates();
  }

  @Test
  void theApiServerHoldsTheOperatorsOwnWritesToWhatItNeedsByDefault() {
    Rendered chart = HelmChart.render(NS, "");

    Map<String, ValidatingAdmissionPolicy> policies = policies(chart);
    assertThat(policies).containsOnlyKeys("flagramp-operator-configmaps", "flagramp-operator-workloads",
        "flagramp-operator-events");
    assertThat(chart.all(ValidatingAdmissionPolicyBinding.class)).extracting(b -> b.getSpec().getPolicyName())
        .containsExactlyInAnyOrderElementsOf(policies.keySet());
    assertThat(chart.all(ValidatingAdmissionPolicyBinding.class)).allSatisfy(b -> {
      assertThat(b.getMetadata().getName()).isEqualTo(b.getSpec().getPolicyName());
      assertThat(b.getSpec().getValidationActions()).containsExactly("Deny");
      assertThat(b.getSpec().getMatchResources()).as("the policy says what it matches").isNull();
    });
    assertThat(policies.values()).allSatisfy(p -> {
      assertThat(p.getSpec().getFailurePolicy()).isEqualTo("Fail");
      assertThat(p.getSpec().getMatchConditions()).singleElement().satisfies(c -> assertThat(c.getExpression())
          .as("only the operator's own requests").isEqualTo(
              "request.userInfo.username == \"system:serviceaccount:" + NS + ":flagramp\""));
    });
    assertThat(policies.get("flagramp-operator-configmaps").getSpec().getMatchConstraints().getResourceRules())
        .flatExtracting(r -> r.getResources()).containsExactly("configmaps");
    assertThat(policies.get("flagramp-operator-workloads").getSpec().getMatchConstraints().getResourceRules())
        .flatExtracting(r -> r.getResources()).containsExactly("deployments", "deployments/*", "statefulsets",
            "statefulsets/*", "daemonsets", "daemonsets/*");
    assertThat(messages(policies.get("flagramp-operator-configmaps"))).containsExactly(
        "the flagramp operator never creates or deletes a ConfigMap",
        "the flagramp operator patches only ConfigMaps labelled flagramp.io/flags: \"true\"",
        "the flagramp operator never changes a ConfigMap's labels, owners or finalizers",
        "the flagramp operator changes no annotation of a ConfigMap but its claims (claim.flagramp.io/<uid>)",
        "the flagramp operator changes nothing of a ConfigMap but its data and its claims");
    assertThat(messages(policies.get("flagramp-operator-workloads")))
        .contains("the flagramp operator restarts only workloads labelled flagramp.io/restart: \"true\"");

    // The name the API server gives the pod: whatever service account the release runs as.
    Rendered ownAccount = HelmChart.render(NS, """
        serviceAccount: {create: false, name: platform-managed}
        requireConfigMapOptIn: false
        """);
    assertThat(policies(ownAccount).values()).allSatisfy(p -> assertThat(p.getSpec().getMatchConditions().get(0)
        .getExpression()).endsWith("\"system:serviceaccount:" + NS + ":platform-managed\""));
    assertThat(policies(ownAccount).values()).as("without the opt-in the labels are not asked for")
        .flatExtracting(HelmChartTest::messages).noneMatch(m -> m.contains("labelled"));

    Rendered off = HelmChart.render(NS, "operatorWritePolicy: {enabled: false}\n");
    assertThat(off.all(ValidatingAdmissionPolicy.class)).isEmpty();
    assertThat(off.all(ValidatingAdmissionPolicyBinding.class)).isEmpty();
  }

  @Test
  void approvalsByTheAuthenticatedUserAreAPolicyAndASettingThatComeTogether() {
    Rendered defaults = HelmChart.render(NS, "");
    assertThat(policies(defaults)).doesNotContainKey("flagramp-approvals");
    assertThat(OperatorSettings.from(defaults.env(POD)).planner().approvers()).isEqualTo(Approvers.FIELD_MANAGER);

    Rendered verified = HelmChart.render(NS, """
        watchNamespaces: [a, b]
        approvals: {verifiedApprover: true}
        """);
    ValidatingAdmissionPolicy approvals = policies(verified).get("flagramp-approvals");
    assertThat(approvals.getSpec().getMatchConditions()).as("everyone who writes ScalingChanges").isNullOrEmpty();
    assertThat(approvals.getSpec().getMatchConstraints().getResourceRules()).singleElement().satisfies(r -> {
      assertThat(r.getApiGroups()).containsExactly("flagramp.io");
      assertThat(r.getResources()).as("not status: the operator's writes").containsExactly("scalingchanges");
      assertThat(r.getOperations()).containsExactly("CREATE", "UPDATE");
    });
    assertThat(approvals.getSpec().getMatchConstraints().getNamespaceSelector().getMatchExpressions())
        .singleElement().satisfies(e -> {
          assertThat(e.getKey()).isEqualTo("kubernetes.io/metadata.name");
          assertThat(e.getValues()).containsExactly("a", "b");
        });
    assertThat(approvals.getSpec().getValidations()).hasSize(2);
    assertThat(OperatorSettings.from(verified.env(POD)).planner().approvers()).isEqualTo(new Approvers(true, false));

    Rendered fourEyes = HelmChart.render(NS, "approvals: {verifiedApprover: true, lastEditorCannotApprove: true}\n");
    ValidatingAdmissionPolicy both = policies(fourEyes).get("flagramp-approvals");
    assertThat(both.getSpec().getMatchConstraints().getNamespaceSelector()).as("all namespaces").isNull();
    assertThat(messages(both)).contains("flagramp.io/last-edited-by changes only together with the spec");
    assertThat(both.getSpec().getValidations()).hasSize(4);
    assertThat(fourEyes.env(POD)).containsEntry("FLAGRAMP_VERIFIED_APPROVER", "true")
        .containsEntry("FLAGRAMP_LAST_EDITOR_CANNOT_APPROVE", "true");
    assertThat(OperatorSettings.from(fourEyes.env(POD)).planner().approvers()).isEqualTo(new Approvers(true, true));
  }

  @Test
  void beforeKubernetes130ThePoliciesAreRefusedNamingTheValuesToTurnOff() {
    assertThatThrownBy(() -> HelmChart.render(HelmChart.RELEASE, NS, "", "1.29.9"))
        .hasMessageContaining("operatorWritePolicy.enabled and approvals.verifiedApprover install"
            + " ValidatingAdmissionPolicies (admissionregistration.k8s.io/v1, Kubernetes 1.30 or later); this cluster"
            + " is v1.29.9: set both to false");

    Rendered old = HelmChart.render(HelmChart.RELEASE, NS, "operatorWritePolicy: {enabled: false}\n", "1.29.9");
    assertThat(old.all(ValidatingAdmissionPolicy.class)).isEmpty();
    assertThat(old.deployment()).isNotNull();
  }

  private static Map<String, ValidatingAdmissionPolicy> policies(Rendered chart) {
    return chart.all(ValidatingAdmissionPolicy.class).stream()
        .collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p));
  }

  private static List<String> messages(ValidatingAdmissionPolicy policy) {
    return policy.getSpec().getValidations().stream()
        .map(v -> v.getMessage() != null ? v.getMessage() : v.getMessageExpression()).toList();
  }

  /** The operator's rules: exactly these verbs on exactly these resources, no wildcard. */
  private static void assertOperatorRules(List<PolicyRule> rules) {
    assertThat(rules).allSatisfy(r -> {
      assertThat(r.getResourceNames()).isNullOrEmpty();
      assertThat(r.getVerbs()).doesNotContain("*");
      assertThat(r.getResources()).doesNotContain("*");
      assertThat(r.getApiGroups()).doesNotContain("*");
    });
    assertThat(verbs(rules, "flagramp.io", "scalingchanges")).containsExactlyInAnyOrder("get", "list", "watch",
        "update", "patch");
    assertThat(verbs(rules, "flagramp.io", "scalingchanges/status")).containsExactlyInAnyOrder("update", "patch");
    assertThat(verbs(rules, "flagramp.io", "scalingchanges/finalizers")).containsExactly("update");
    assertThat(verbs(rules, "", "configmaps")).containsExactlyInAnyOrder("get", "list", "watch", "patch")
        .doesNotContain("create", "update", "delete", "deletecollection");
    assertThat(verbs(rules, "", "secrets")).containsExactly("get");
    assertThat(verbs(rules, "", "events")).as("the core API's Events are not used").isEmpty();
    assertThat(verbs(rules, "events.k8s.io", "events")).containsExactly("create");
    for (String workload : List.of("deployments", "statefulsets", "daemonsets")) {
      assertThat(verbs(rules, "apps", workload)).as(workload).containsExactlyInAnyOrder("get", "patch");
    }
    assertThat(rules).flatExtracting(PolicyRule::getResources).containsOnly("scalingchanges", "scalingchanges/status",
        "scalingchanges/finalizers", "configmaps", "secrets", "events", "deployments", "statefulsets", "daemonsets");
  }

  private static void assertLeaseRole(Rendered chart) {
    assertLeaseRole(chart, "flagramp");
  }

  /** The release's Lease Role: create any Lease, and get, update, patch only the one the operator is told to use. */
  private static void assertLeaseRole(Rendered chart, String release) {
    Role lease = chart.all(Role.class).stream()
        .filter(r -> r.getMetadata().getName().equals(release + "-leader-election")).findFirst().orElseThrow();
    assertThat(lease.getMetadata().getNamespace()).isEqualTo(NS);
    assertThat(lease.getRules()).allSatisfy(r -> {
      assertThat(r.getApiGroups()).containsExactly("coordination.k8s.io");
      assertThat(r.getResources()).containsExactly("leases");
    });
    String leaseName = chart.env(POD).get("FLAGRAMP_LEASE_NAME");
    assertThat(lease.getRules()).extracting(r -> r.getVerbs() + " " + r.getResourceNames())
        .containsExactly("[create] []", "[get, update, patch] [" + leaseName + "]");
    assertThat(lease.getRules()).flatExtracting(PolicyRule::getVerbs).contains("patch")
        .doesNotContain("delete", "list", "watch");
    RoleBinding binding = chart.all(RoleBinding.class).stream()
        .filter(b -> b.getMetadata().getName().equals(release + "-leader-election")).findFirst().orElseThrow();
    assertThat(binding.getMetadata().getNamespace()).isEqualTo(NS);
    assertThat(binding.getRoleRef().getName()).isEqualTo(release + "-leader-election");
    assertThat(binding.getSubjects()).singleElement()
        .satisfies(s -> assertThat(s.getName()).isEqualTo(chart.deployment().getSpec().getTemplate().getSpec()
            .getServiceAccountName()));
  }

  private static List<String> verbs(List<PolicyRule> rules, String group, String resource) {
    return rules.stream().filter(r -> r.getApiGroups().contains(group) && r.getResources().contains(resource))
        .flatMap(r -> r.getVerbs().stream()).toList();
  }
}
