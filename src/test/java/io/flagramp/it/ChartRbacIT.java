package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.chart.HelmChart;
import io.flagramp.chart.HelmChart.Rendered;
import io.flagramp.core.Annotations;
import io.flagramp.core.OptIn;
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
 * the TokenRequest API and the environment the chart's Deployment sets, leader election included; a
 * rollout, an abort and a delete all succeed with no refusal in its log; and {@code kubectl auth
 * can-i} shows what it cannot do.
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
    List<HasMetadata> identity = chart.objects().stream().filter(o -> Set.of("ServiceAccount", "Role",
        "RoleBinding", "ClusterRole", "ClusterRoleBinding").contains(o.getKind())).toList();
    assertThat(identity).extracting(HasMetadata::getKind).doesNotContain("ClusterRole", "ClusterRoleBinding");
    identity.forEach(o -> admin.resource(o).create());
    String serviceAccount = chart.one(ServiceAccount.class).getMetadata().getName();
    String user = "system:serviceaccount:" + release + ":" + serviceAccount;

    TokenRequest token = admin.serviceAccounts().inNamespace(release).withName(serviceAccount)
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build());
    Path logs = Files.createDirectories(Path.of("target", "chart-rbac"));
    // A temporary file, removed at the end: it holds a credential, short-lived as it is.
    Path kubeconfig = kubeconfigWithToken(cluster.kubeconfig(), token.getStatus().getToken(),
        Files.createTempFile("flagramp-" + serviceAccount, ".kubeconfig"));

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
      Files.deleteIfExists(kubeconfig);
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
        new Check("", "delete", "* --all-namespaces", false)));

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

  /** A kubeconfig for the same server and CA as the admin's, authenticating with a bearer token. */
  private static Path kubeconfigWithToken(Path adminKubeconfig, String token, Path file) throws IOException {
    Config adminConfig = Config.fromKubeconfig(Files.readString(adminKubeconfig));
    String ca = adminConfig.getCaCertData() != null
        ? "certificate-authority-data: " + adminConfig.getCaCertData()
        : "certificate-authority: " + adminConfig.getCaCertFile();
    Files.writeString(file, """
        apiVersion: v1
        kind: Config
        clusters:
          - name: test
            cluster:
              server: %s
              %s
        users:
          - name: flagramp
            user:
              token: %s
        contexts:
          - name: flagramp
            context:
              cluster: test
              user: flagramp
        current-context: flagramp
        """.formatted(adminConfig.getMasterUrl(), ca, token));
    return file;
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
