package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.RestartTarget;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.WorkloadKind;
import io.flagramp.chart.HelmChart;
import io.flagramp.chart.HelmChart.Rendered;
import io.flagramp.core.Annotations;
import io.flagramp.core.FlagClaim;
import io.flagramp.core.FlagWrite;
import io.flagramp.core.Notice;
import io.flagramp.core.ObservedFlag;
import io.flagramp.core.OptIn;
import io.flagramp.core.Restart;
import io.flagramp.operator.ConfigMapFlagStore;
import io.flagramp.operator.EventRecorder;
import io.flagramp.operator.FlagWriteFailed;
import io.flagramp.operator.KubernetesWorkloads;
import io.flagramp.operator.RestartFailed;
import io.flagramp.operator.Workloads;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.KubeTestCluster.KubectlResult;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chart's RBAC is enough and no more, proven against the real kube-apiserver, which authorizes
 * with RBAC (kube-api-test starts it with {@code --authorization-mode RBAC}; its admin is in
 * {@code system:masters}). The packaged operator runs as the chart's ServiceAccount, with a token from
 * the TokenRequest API and the environment the chart's Deployment sets, leader election included, and
 * the chart's ValidatingAdmissionPolicies on its writes in force; a rollout, an abort and a delete all
 * succeed with no refusal in its log; {@code kubectl auth can-i} shows what RBAC does not let it do; and
 * what RBAC lets it do but it must never do (patch a ConfigMap or a DaemonSet nobody opted in, kube-system's
 * included) the API server refuses, with the policy's own message.
 */
@ExtendWith(KubeApiServerExtension.class)
class ChartRbacIT {

  private static final Logger log = LoggerFactory.getLogger(ChartRbacIT.class);
  private static final String INSTANCE = "flagramp-rbac-0";
  /** What an authorization failure looks like in the operator's log (Fabric8's and the API server's words). */
  private static final Pattern REFUSED = Pattern.compile("(?i)forbidden|\\bcode\\W{0,3}403\\b|\\b403\\s+forbidden");

  private record Check(String namespace, String verb, String resource, boolean expected) {}

  @Test
  void asTheChartsServiceAccountTheOperatorRollsOutAbortsAndDeletesAndCanDoNothingElse(KubeTestCluster cluster)
      throws Exception {
    KubernetesClient admin = cluster.client();
    assertThat(canI(cluster, "system:serviceaccount:nowhere:nobody", "default", "get", "configmaps"))
        .as("the API server authorizes with RBAC: an identity without bindings may do nothing").isFalse();

    String release = cluster.createNamespace("rbac-release");
    String a = cluster.createNamespace("rbac-a");
    String b = cluster.createNamespace("rbac-b");
    String unwatched = cluster.createNamespace("rbac-unwatched");
    Rendered chart = HelmChart.render(release, "watchNamespaces: [" + a + ", " + b + "]\n");

    installCrds(admin);
    List<HasMetadata> identity = identityAndLimits(chart);
    assertThat(identity).extracting(HasMetadata::getKind).doesNotContain("ClusterRole", "ClusterRoleBinding")
        .contains("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");
    identity.forEach(o -> admin.resource(o).create());
    String serviceAccount = chart.one(ServiceAccount.class).getMetadata().getName();
    String user = "system:serviceaccount:" + release + ":" + serviceAccount;
    admin.configMaps().inNamespace(a).resource(new ConfigMapBuilder().withNewMetadata().withName("not-opted-in")
        .endMetadata().addToData("LOG_LEVEL", "info").build()).create();
    awaitPolicies(cluster, user, a, "not-opted-in");

    Path logs = Files.createDirectories(Path.of("target", "chart-rbac"));
    // A temporary file, removed at the end: it holds a credential, short-lived as it is.
    ServiceAccountLogin login = ServiceAccountLogin.as(cluster, release, serviceAccount);
    Path kubeconfig = login.kubeconfig;

    Map<String, String> env = new LinkedHashMap<>(
        chart.env(Map.of("metadata.namespace", release, "metadata.name", INSTANCE)));
    assertThat(env).containsEntry("FLAGRAMP_LEADER_ELECTION", "true").containsEntry("FLAGRAMP_LEASE_NAMESPACE", release)
        .containsEntry("FLAGRAMP_NAMESPACES", a + "," + b);
    // Only what cannot be as in a pod: port 8080 may be taken on this machine, and shorter intervals make
    // the test fast.
    int port = freePort();
    env.put("FLAGRAMP_HTTP_PORT", String.valueOf(port));
    env.put("FLAGRAMP_RESYNC_INTERVAL", "2s");
    env.put("FLAGRAMP_PENDING_RETRY_INTERVAL", "1s");

    configMap(admin, a, "app-features", Map.of("USE_REDIS", "false", "DB_POOL", "20"));
    Map<String, String> bOriginal = Map.of("USE_REDIS", "false", "USE_REDIS_PERCENTAGE", "0");
    configMap(admin, b, "app-features", bOriginal);
    Map<String, String> checkoutOriginal = Map.of("NEW_CHECKOUT_PERCENTAGE", "0", "THEME", "dark");
    configMap(admin, b, "checkout-features", checkoutOriginal);

    try (OperatorProcess operator = new OperatorProcess(kubeconfig, env, logs)) {
      operator.start();
      String leaseName = env.get("FLAGRAMP_LEASE_NAME");
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        Lease lease = admin.leases().inNamespace(release).withName(leaseName).get();
        return lease != null && INSTANCE.equals(lease.getSpec().getHolderIdentity());
      });

      changes(admin).resource(change(a, "ramp", step(50, "1s"), step(100, null))).create();
      changes(admin).resource(change(b, "abort-me", step(10, "1h"), step(100, null))).create();
      ScalingChange deleteMe = change(b, "delete-me", step(20, "1h"));
      deleteMe.getSpec().setFlag(new FlagTarget("checkout-features", "NEW_CHECKOUT_PERCENTAGE", null));
      changes(admin).resource(deleteMe).create();

      await().atMost(Duration.ofSeconds(60)).until(() -> phase(admin, a, "ramp") == Phase.Succeeded);
      assertThat(data(admin, a, "app-features")).containsEntry("USE_REDIS_PERCENTAGE", "100")
          .containsEntry("USE_REDIS", "true").containsEntry("DB_POOL", "20");

      await().atMost(Duration.ofSeconds(60)).until(() -> weight(admin, b, "abort-me") == 10
          && weight(admin, b, "delete-me") == 20);
      changes(admin).inNamespace(b).withName("abort-me").edit(sc -> {
        Map<String, String> annotations = new LinkedHashMap<>();
        if (sc.getMetadata().getAnnotations() != null) {
          annotations.putAll(sc.getMetadata().getAnnotations());
        }
        annotations.put(Annotations.ABORT, "rbac test");
        sc.getMetadata().setAnnotations(annotations);
        return sc;
      });
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        ScalingChange sc = changes(admin).inNamespace(b).withName("abort-me").get();
        return sc.getStatus().getPhase() == Phase.RolledBack && sc.getStatus().getIntent() == null;
      });
      assertThat(data(admin, b, "app-features")).isEqualTo(bOriginal);

      changes(admin).inNamespace(b).withName("delete-me").delete();
      await().atMost(Duration.ofSeconds(60)).until(() -> changes(admin).inNamespace(b).withName("delete-me").get() == null);
      assertThat(data(admin, b, "checkout-features")).isEqualTo(checkoutOriginal);

      HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(operator.logLines()).as("the operator was refused nothing")
          .noneMatch(line -> REFUSED.matcher(line).find());
    } finally {
      login.close();
    }

    String leaseName = env.get("FLAGRAMP_LEASE_NAME");
    List<Check> checks = new ArrayList<>();
    for (String ns : List.of(a, b)) {
      checks.addAll(List.of(
          new Check(ns, "get", "configmaps", true), new Check(ns, "list", "configmaps", true),
          new Check(ns, "watch", "configmaps", true), new Check(ns, "patch", "configmaps", true),
          new Check(ns, "create", "configmaps", false), new Check(ns, "update", "configmaps", false),
          new Check(ns, "delete", "configmaps", false), new Check(ns, "deletecollection", "configmaps", false),
          new Check(ns, "get", "secrets", true), new Check(ns, "list", "secrets", false),
          new Check(ns, "watch", "secrets", false), new Check(ns, "create", "secrets", false),
          new Check(ns, "update", "secrets", false), new Check(ns, "patch", "secrets", false),
          new Check(ns, "delete", "secrets", false),
          new Check(ns, "create", "events.events.k8s.io", true), new Check(ns, "patch", "events.events.k8s.io", false),
          new Check(ns, "delete", "events.events.k8s.io", false), new Check(ns, "create", "events", false),
          new Check(ns, "get", "scalingchanges.flagramp.io", true),
          new Check(ns, "watch", "scalingchanges.flagramp.io", true),
          new Check(ns, "patch", "scalingchanges.flagramp.io", true),
          new Check(ns, "create", "scalingchanges.flagramp.io", false),
          new Check(ns, "delete", "scalingchanges.flagramp.io", false),
          new Check(ns, "patch", "scalingchanges.flagramp.io --subresource=status", true),
          new Check(ns, "delete", "pods", false), new Check(ns, "create", "pods", false),
          new Check(ns, "delete", "deployments.apps", false), new Check(ns, "patch", "deployments.apps", true),
          new Check(ns, "get", "deployments.apps", true), new Check(ns, "list", "deployments.apps", false),
          new Check(ns, "update", "deployments.apps", false), new Check(ns, "create", "deployments.apps", false),
          new Check(ns, "patch", "statefulsets.apps", true), new Check(ns, "patch", "daemonsets.apps", true),
          new Check(ns, "delete", "statefulsets.apps", false), new Check(ns, "patch", "replicasets.apps", false),
          new Check(ns, "get", "leases.coordination.k8s.io/" + leaseName, false)));
    }
    checks.addAll(List.of(
        new Check(unwatched, "get", "configmaps", false), new Check(unwatched, "patch", "configmaps", false),
        new Check(unwatched, "get", "secrets", false), new Check(unwatched, "list", "scalingchanges.flagramp.io", false),
        new Check(unwatched, "create", "events.events.k8s.io", false),
        new Check(release, "create", "leases.coordination.k8s.io", true),
        new Check(release, "get", "leases.coordination.k8s.io/" + leaseName, true),
        new Check(release, "update", "leases.coordination.k8s.io/" + leaseName, true),
        new Check(release, "patch", "leases.coordination.k8s.io/" + leaseName, true),
        new Check(release, "delete", "leases.coordination.k8s.io/" + leaseName, false),
        new Check(release, "patch", "leases.coordination.k8s.io/someone-elses", false),
        new Check(release, "list", "leases.coordination.k8s.io", false),
        new Check(release, "patch", "configmaps", false), new Check(release, "get", "secrets", false),
        new Check("", "delete", "namespaces", false), new Check("", "get", "nodes", false),
        new Check("", "delete", "customresourcedefinitions.apiextensions.k8s.io", false),
        new Check("", "create", "clusterrolebindings.rbac.authorization.k8s.io", false),
        new Check("", "list", "configmaps --all-namespaces", false),
        new Check("", "list", "scalingchanges.flagramp.io --all-namespaces", false),
        new Check("", "delete", "* --all-namespaces", false),
        new Check("", "delete", "validatingadmissionpolicies.admissionregistration.k8s.io", false),
        new Check("", "patch", "validatingadmissionpolicybindings.admissionregistration.k8s.io", false)));

    StringBuilder table = new StringBuilder("kubectl auth can-i --as=" + user + "\n");
    List<String> wrong = new ArrayList<>();
    for (Check c : checks) {
      boolean allowed = canI(cluster, user, c.namespace(), c.verb(), c.resource());
      String row = String.format("%-22s %-17s %-60s %s", c.namespace().isEmpty() ? "(cluster)" : c.namespace(), c.verb(),
          c.resource(), allowed ? "yes" : "no");
      table.append(row).append('\n');
      if (allowed != c.expected()) {
        wrong.add(row + " (expected " + (c.expected() ? "yes" : "no") + ")");
      }
    }
    Files.writeString(logs.resolve("can-i.txt"), table);
    log.info("{}", table);
    assertThat(wrong).as(table.toString()).isEmpty();

    // RBAC said yes to "patch configmaps" in a watched namespace; the API server still refuses a ConfigMap
    // whose owner did not opt in, before the operator's own code is asked.
    KubectlResult denied = cluster.kubectl("patch", "configmap", "not-opted-in", "-n", a, "--type=merge",
        "-p", "{\"data\":{\"LOG_LEVEL\":\"debug\"}}", "--as=" + user);
    log.info("kubectl patch configmap not-opted-in --as={} -> {}", user, denied.output());
    assertThat(denied.exitCode()).isNotZero();
    assertThat(denied.output()).contains("The configmaps \"not-opted-in\" is invalid: : ValidatingAdmissionPolicy"
        + " 'flagramp-operator-configmaps' with binding 'flagramp-operator-configmaps' denied request: the flagramp"
        + " operator patches only ConfigMaps labelled flagramp.io/flags: \"true\"");
    assertThat(data(admin, a, "not-opted-in")).containsEntry("LOG_LEVEL", "info");
    deletePolicies(admin, chart);
  }

  /**
   * With every namespace watched, RBAC grants "patch daemonsets" and "patch configmaps" cluster-wide, so
   * kube-system's too: it cannot grant by label. The chart's policies refuse every such write the operator
   * must never make, in the API server, whoever makes the request on the operator's behalf: kubectl, or
   * the operator's own ConfigMap store and restarter, which leave the opt-in checks to the planner.
   */
  @Test
  void clusterWideRbacReachesKubeSystemAndTheApiServerStillRefusesWhatTheOperatorMustNeverWrite(
      KubeTestCluster cluster) throws Exception {
    KubernetesClient admin = cluster.client();
    String release = cluster.createNamespace("rbac-cluster-wide");
    String tenant = cluster.createNamespace("rbac-tenant");
    Rendered chart = HelmChart.render("flagramp-cw", release, "");
    installCrds(admin);
    List<HasMetadata> installed = identityAndLimits(chart);
    assertThat(installed).extracting(HasMetadata::getKind).contains("ClusterRole", "ClusterRoleBinding",
        "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");
    installed.forEach(o -> admin.resource(o).create());
    String serviceAccount = chart.one(ServiceAccount.class).getMetadata().getName();
    String user = "system:serviceaccount:" + release + ":" + serviceAccount;

    // What a compromised operator pod would go for: the cluster's DNS config and a node-level DaemonSet.
    admin.configMaps().inNamespace("kube-system").resource(new ConfigMapBuilder().withNewMetadata()
        .withName("coredns").endMetadata().addToData("Corefile", ".:53 { forward . /etc/resolv.conf }").build())
        .serverSideApply();
    DaemonSet kubeProxy = admin.apps().daemonSets().inNamespace("kube-system").resource(new DaemonSetBuilder()
        .withNewMetadata().withName("kube-proxy").endMetadata()
        .withNewSpec().withNewSelector().addToMatchLabels("k8s-app", "kube-proxy").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("k8s-app", "kube-proxy").endMetadata()
        .withNewSpec().addNewContainer().withName("kube-proxy").withImage("registry.invalid/kube-proxy:1").endContainer()
        .endSpec().endTemplate().endSpec().build()).serverSideApply();
    // A tenant's opted-in ConfigMap and Deployment: what the operator is there to write.
    configMap(admin, tenant, "app-features", Map.of("USE_REDIS", "false"));
    admin.apps().deployments().inNamespace(tenant).resource(new DeploymentBuilder().withNewMetadata().withName("web")
        .addToLabels(OptIn.RESTART, OptIn.VALUE).endMetadata()
        .withNewSpec().withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
        .withNewSpec().addNewContainer().withName("web").withImage("registry.invalid/web:1").endContainer().endSpec()
        .endTemplate().endSpec().build()).create();
    awaitPolicies(cluster, user, "kube-system", "coredns");

    List<Check> checks = List.of(
        new Check("kube-system", "patch", "daemonsets.apps", true), new Check("kube-system", "patch", "configmaps", true),
        new Check("kube-system", "get", "secrets", true), new Check("kube-system", "list", "secrets", false),
        new Check("kube-system", "update", "daemonsets.apps", false),
        new Check("kube-system", "create", "daemonsets.apps", false),
        new Check("kube-system", "delete", "configmaps", false),
        new Check("kube-system", "patch", "deployments.apps --subresource=scale", false),
        new Check("", "list", "configmaps --all-namespaces", true),
        new Check("", "list", "secrets --all-namespaces", false),
        new Check("", "delete", "validatingadmissionpolicies.admissionregistration.k8s.io", false),
        new Check("", "delete", "validatingadmissionpolicybindings.admissionregistration.k8s.io", false));
    StringBuilder table = new StringBuilder("kubectl auth can-i --as=" + user + " (watchNamespaces: [])\n");
    List<String> wrong = new ArrayList<>();
    for (Check c : checks) {
      boolean allowed = canI(cluster, user, c.namespace(), c.verb(), c.resource());
      String row = String.format("%-12s %-7s %-62s %s", c.namespace().isEmpty() ? "(cluster)" : c.namespace(),
          c.verb(), c.resource(), allowed ? "yes" : "no");
      table.append(row).append('\n');
      if (allowed != c.expected()) {
        wrong.add(row + " (expected " + (c.expected() ? "yes" : "no") + ")");
      }
    }

    KubectlResult miner = cluster.kubectl("patch", "daemonset", "kube-proxy", "-n", "kube-system", "--type=json", "-p",
        "[{\"op\":\"add\",\"path\":\"/spec/template/spec/containers/-\",\"value\":{\"name\":\"miner\","
            + "\"image\":\"registry.invalid/miner:1\"}}]", "--as=" + user);
    KubectlResult dns = cluster.kubectl("patch", "configmap", "coredns", "-n", "kube-system", "--type=merge", "-p",
        "{\"data\":{\"Corefile\":\".:53 { forward . 203.0.113.9 }\"}}", "--as=" + user);
    KubectlResult forgedEvent = createAs(cluster, user, """
        {"apiVersion": "events.k8s.io/v1", "kind": "Event",
         "metadata": {"name": "kube-proxy.forged", "namespace": "kube-system"},
         "eventTime": "2026-01-01T00:00:00.000000Z", "reportingController": "kubelet", "reportingInstance": "node-1",
         "action": "Killing", "reason": "Killing", "type": "Normal", "note": "nothing to see",
         "regarding": {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "kube-proxy", "namespace": "kube-system"}}
        """);
    Path logs = Files.createDirectories(Path.of("target", "chart-rbac"));
    String report = table + "\n" + String.join("\n", "$ kubectl patch daemonset kube-proxy -n kube-system --as=" + user
        + " (a container added)", miner.output().strip(), "$ kubectl patch configmap coredns -n kube-system --as=" + user,
        dns.output().strip(), "$ kubectl create -f forged-event.json --as=" + user, forgedEvent.output().strip()) + "\n";
    Files.writeString(logs.resolve("can-i-cluster-wide.txt"), report);
    log.info("{}", report);
    assertThat(wrong).as(table.toString()).isEmpty();

    assertThat(miner.exitCode()).isNotZero();
    assertThat(miner.output()).contains("The daemonsets \"kube-proxy\" is invalid: : ValidatingAdmissionPolicy"
        + " 'flagramp-cw-operator-workloads' with binding 'flagramp-cw-operator-workloads' denied request: the flagramp"
        + " operator restarts only workloads labelled flagramp.io/restart: \"true\"");
    assertThat(dns.exitCode()).isNotZero();
    assertThat(dns.output()).contains("ValidatingAdmissionPolicy 'flagramp-cw-operator-configmaps' with binding"
        + " 'flagramp-cw-operator-configmaps' denied request: the flagramp operator patches only ConfigMaps labelled"
        + " flagramp.io/flags: \"true\"");
    assertThat(forgedEvent.exitCode()).isNotZero();
    assertThat(forgedEvent.output()).contains("denied request: the flagramp operator records Events only about"
        + " ScalingChanges, as flagramp.io/operator");

    try (ServiceAccountLogin login = ServiceAccountLogin.as(cluster, release, serviceAccount);
        KubernetesClient asOperator = login.client()) {
      // The operator's own code, as its service account: its writes pass where the owner opted in ...
      ConfigMapFlagStore store = new ConfigMapFlagStore(asOperator);
      List<String> keys = List.of("USE_REDIS_PERCENTAGE", "USE_REDIS");
      FlagClaim claim = new FlagClaim("0e5a1c7d-3b2f-4d6e-8a9b-1c2d3e4f5a6b", "use-redis", keys, "1.10");
      store.write(tenant, "app-features", new FlagWrite.SetValues(Map.of("USE_REDIS_PERCENTAGE", "10", "USE_REDIS",
          "true"), claim, List.of()), store.read(tenant, "app-features", keys).orElseThrow());
      assertThat(data(admin, tenant, "app-features")).containsEntry("USE_REDIS_PERCENTAGE", "10");
      KubernetesWorkloads workloads = new KubernetesWorkloads(asOperator);
      workloads.restart(tenant, new Restart(new RestartTarget(WorkloadKind.Deployment, "web"), "2026-12-01T00:00:00Z"));
      assertThat(admin.apps().deployments().inNamespace(tenant).withName("web").get().getSpec().getTemplate()
          .getMetadata().getAnnotations()).containsEntry(Workloads.RESTARTED_AT, "2026-12-01T00:00:00Z");
      ScalingChange about = change(tenant, "use-redis", step(10, null));
      about.getMetadata().setUid("0e5a1c7d-3b2f-4d6e-8a9b-1c2d3e4f5a6b");
      new EventRecorder(asOperator, java.time.Clock.systemUTC(), INSTANCE).record(about,
          new Notice(Notice.Kind.Normal, "StepEntered", "entered step 1/1 at weight 10"));
      assertThat(admin.events().v1().events().inNamespace(tenant).list().getItems())
          .anyMatch(e -> "StepEntered".equals(e.getReason()));

      // ... and not where they did not: the same calls on kube-system are refused by the API server.
      ObservedFlag dnsFlag = store.read("kube-system", "coredns", List.of("Corefile")).orElseThrow().flag();
      assertThat(dnsFlag.optedIn()).isFalse();
      assertThatThrownBy(() -> store.write("kube-system", "coredns", new FlagWrite.SetValues(Map.of("Corefile",
          ".:53 { forward . 203.0.113.9 }"), claim, List.of()), store.read("kube-system", "coredns",
          List.of("Corefile")).orElseThrow())).isInstanceOf(FlagWriteFailed.class)
          .cause().hasMessageContaining("denied request: the flagramp operator patches only ConfigMaps labelled"
              + " flagramp.io/flags: \"true\"");
      assertThatThrownBy(() -> workloads.restart("kube-system", new Restart(new RestartTarget(WorkloadKind.DaemonSet,
          "kube-proxy"), "2026-12-01T00:00:00Z"))).isInstanceOf(RestartFailed.class)
          .cause().hasMessageContaining("denied request: the flagramp operator restarts only workloads labelled"
              + " flagramp.io/restart: \"true\"");
      // Opted in is not a blank cheque: only the data and the claims of a ConfigMap, only restartedAt of a workload.
      assertThatThrownBy(() -> asOperator.configMaps().inNamespace(tenant).withName("app-features")
          .edit(cm -> new ConfigMapBuilder(cm).editMetadata().removeFromLabels(OptIn.FLAGS).endMetadata().build()))
          .hasMessageContaining("denied request: the flagramp operator never changes a ConfigMap's labels");
      // A patch with no resourceVersion: the deployment controller writes the object's status meanwhile, and
      // an edit of a copy read before that would meet a 409 before the policy is asked.
      assertThatThrownBy(() -> asOperator.apps().deployments().inNamespace(tenant).withName("web")
          .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), "{\"spec\":{\"template\":{\"spec\":{\"containers\":"
              + "[{\"name\":\"web\",\"image\":\"registry.invalid/miner:1\"}]}}}}"))
          .hasMessageContaining("denied request: the flagramp operator changes nothing of a workload but its pod"
              + " template's annotation kubectl.kubernetes.io/restartedAt");
    }
    assertThat(admin.configMaps().inNamespace("kube-system").withName("coredns").get().getData().get("Corefile"))
        .isEqualTo(".:53 { forward . /etc/resolv.conf }");
    assertThat(admin.apps().daemonSets().inNamespace("kube-system").withName("kube-proxy").get().getSpec()
        .getTemplate().getSpec().getContainers()).hasSize(1);
    assertThat(admin.apps().daemonSets().inNamespace("kube-system").withName("kube-proxy").get().getMetadata()
        .getGeneration()).as("not even restarted").isEqualTo(kubeProxy.getMetadata().getGeneration());

    admin.apps().daemonSets().inNamespace("kube-system").withName("kube-proxy").delete();
    admin.configMaps().inNamespace("kube-system").withName("coredns").delete();
    deletePolicies(admin, chart);
  }

  /** What the chart installs for the operator's identity and rights, and the policies that limit them. */
  private static List<HasMetadata> identityAndLimits(Rendered chart) {
    return chart.objects().stream().filter(o -> Set.of("ServiceAccount", "Role", "RoleBinding", "ClusterRole",
        "ClusterRoleBinding", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding").contains(o.getKind()))
        .toList();
  }

  /**
   * A new policy is enforced once the API server has loaded it, a moment after it is created: wait until
   * a write it forbids is refused (a server-side dry run, which admission sees and which changes nothing).
   */
  private static void awaitPolicies(KubeTestCluster cluster, String user, String namespace, String configMap) {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> cluster.kubectl("patch",
        "configmap", configMap, "-n", namespace, "--type=merge", "-p", "{\"data\":{\"probe\":\"x\"}}",
        "--dry-run=server", "--as=" + user).output().contains("denied request"));
  }

  /** The policies are cluster-scoped and outlive the test's namespaces; the next test JVM starts afresh anyway. */
  private static void deletePolicies(KubernetesClient admin, Rendered chart) {
    chart.objects().stream().filter(o -> o.getKind().startsWith("ValidatingAdmissionPolicy"))
        .forEach(o -> admin.resource(o).delete());
  }

  /** {@code kubectl create -f} of {@code json}, impersonating {@code user}. */
  private static KubectlResult createAs(KubeTestCluster cluster, String user, String json) throws IOException {
    Path file = Files.createTempFile("flagramp-object", ".json");
    try {
      Files.writeString(file, json);
      return cluster.kubectl("create", "-f", file.toString(), "--as=" + user);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static void installCrds(KubernetesClient admin) {
    for (HasMetadata crd : HelmChart.crds()) {
      admin.resource(crd).serverSideApply();
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        CustomResourceDefinition live = admin.apiextensions().v1().customResourceDefinitions()
            .withName(crd.getMetadata().getName()).get();
        return live.getStatus() != null && live.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Established") && c.getStatus().equals("True"));
      });
    }
  }

  /** {@code kubectl auth can-i}, run with the admin kubeconfig, impersonating {@code user}. */
  private static boolean canI(KubeTestCluster cluster, String user, String namespace, String verb, String resource) {
    List<String> args = new ArrayList<>(List.of("auth", "can-i", verb));
    args.addAll(List.of(resource.split(" ")));
    args.add("--as=" + user);
    if (!namespace.isEmpty()) {
      args.add("--namespace=" + namespace);
    }
    KubectlResult result = cluster.kubectl(args.toArray(String[]::new));
    // The answer is the last line; kubectl may warn before it (a cluster-scoped resource, say).
    List<String> lines = result.output().strip().lines().toList();
    String answer = lines.isEmpty() ? "" : lines.get(lines.size() - 1).strip();
    assertThat(answer).as("kubectl %s", args).isIn("yes", "no");
    return answer.equals("yes");
  }

  private static void configMap(KubernetesClient admin, String ns, String name, Map<String, String> data) {
    admin.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName(name)
        .addToLabels(OptIn.FLAGS, OptIn.VALUE).endMetadata().withData(data).build()).create();
  }

  private static Map<String, String> data(KubernetesClient admin, String ns, String name) {
    return admin.configMaps().inNamespace(ns).withName(name).get().getData();
  }

  private static io.fabric8.kubernetes.client.dsl.MixedOperation<ScalingChange,
      io.fabric8.kubernetes.api.model.KubernetesResourceList<ScalingChange>,
      io.fabric8.kubernetes.client.dsl.Resource<ScalingChange>> changes(KubernetesClient admin) {
    return admin.resources(ScalingChange.class);
  }

  private static Phase phase(KubernetesClient admin, String ns, String name) {
    ScalingChange sc = changes(admin).inNamespace(ns).withName(name).get();
    return sc == null || sc.getStatus() == null ? null : sc.getStatus().getPhase();
  }

  private static int weight(KubernetesClient admin, String ns, String name) {
    ScalingChange sc = changes(admin).inNamespace(ns).withName(name).get();
    return sc == null || sc.getStatus() == null || sc.getStatus().getCurrentWeight() == null ? -1
        : sc.getStatus().getCurrentWeight();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
