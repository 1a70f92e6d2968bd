package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flagramp.api.v1alpha1.ActionRecord;
import io.flagramp.api.v1alpha1.Approval;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.chart.HelmChart;
import io.flagramp.chart.HelmChart.Rendered;
import io.flagramp.core.Annotations;
import io.flagramp.operator.OperatorSettings;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.KubeTestCluster.KubectlResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Approvals by who really asked, on the real kube-apiserver: the chart's approval policy
 * (approvals.verifiedApprover and lastEditorCannotApprove) installed as Helm renders it, two people who
 * may write ScalingChanges (ServiceAccounts alice and bob, each authenticated by a TokenRequest token,
 * not impersonated), the operator with the settings the chart gives it, and kubectl flagramp as each of
 * them would run it. The API server refuses a forged approver and a spec change that does not name its
 * editor, with the policy's own messages; the operator records the authenticated user as the approver,
 * and refuses an approval by the change's last editor.
 */
@ExtendWith(KubeApiServerExtension.class)
class ApprovalPolicyIT {

  private static final Logger log = LoggerFactory.getLogger(ApprovalPolicyIT.class);

  @TempDir
  static Path bin;

  private static KubectlPlugin plugin;

  @BeforeAll
  static void installThePlugin() throws IOException {
    plugin = KubectlPlugin.installIn(bin);
  }

  @Test
  void theApiServerRefusesAForgedApproverAndTheOperatorRefusesTheLastEditorAndRecordsWhoApproved(
      KubeTestCluster cluster) throws IOException {
    KubernetesClient admin = cluster.client();
    String ns = cluster.createNamespace("approvals");
    OperatorHarness.installCrd(admin);
    // Scoped to this test's namespace (watchNamespaces), so other tests' ScalingChanges are not held to it.
    Rendered chart = HelmChart.render("flagramp-approvals-it", "flagramp", """
        watchNamespaces: [%s]
        operatorWritePolicy: {enabled: false}
        approvals: {verifiedApprover: true, lastEditorCannotApprove: true}
        """.formatted(ns));
    List<HasMetadata> policy = chart.objects().stream()
        .filter(o -> o.getKind().startsWith("ValidatingAdmissionPolicy")).toList();
    assertThat(policy).extracting(o -> o.getKind() + "/" + o.getMetadata().getName()).containsExactly(
        "ValidatingAdmissionPolicy/flagramp-approvals-it-approvals",
        "ValidatingAdmissionPolicyBinding/flagramp-approvals-it-approvals");
    policy.forEach(o -> admin.resource(o).create());
    people(admin, ns, "alice", "bob");
    Map<String, String> chartEnv = chart.env(Map.of("metadata.namespace", "flagramp", "metadata.name", "it"));
    OperatorSettings settings = OperatorSettings.from(Map.of("FLAGRAMP_RESYNC_INTERVAL", "2s",
        "FLAGRAMP_PENDING_RETRY_INTERVAL", "1s", "FLAGRAMP_INSTANCE", "it", "FLAGRAMP_NAMESPACES", ns,
        "FLAGRAMP_VERIFIED_APPROVER", chartEnv.get("FLAGRAMP_VERIFIED_APPROVER"),
        "FLAGRAMP_LAST_EDITOR_CANNOT_APPROVE", chartEnv.get("FLAGRAMP_LAST_EDITOR_CANNOT_APPROVE")));
    assertThat(settings.approvers().verified()).isTrue();
    assertThat(settings.approvers().lastEditorExcluded()).isTrue();

    List<String> transcript = new ArrayList<>();
    try (ServiceAccountLogin alice = ServiceAccountLogin.as(cluster, ns, "alice");
        ServiceAccountLogin bob = ServiceAccountLogin.as(cluster, ns, "bob");
        KubernetesClient asAlice = alice.client();
        KubernetesClient asBob = bob.client();
        OperatorHarness harness = OperatorHarness.start(cluster, settings, OperatorHarness.NO_METRICS,
            UnaryOperator.identity())) {
      harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
      ScalingChange sc = change(ns, "use-redis", step(10, "1s"), step(50, "1s"), step(100, "1s"));
      sc.getSpec().getSteps().get(1).setApproval(Approval.Manual);

      // A spec change must name its editor, as the API server authenticated them; the policy is in force
      // a moment after it is created.
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
          .until(() -> refused(() -> asAlice.resource(sc).dryRun().create()).isPresent());
      String unnamed = refused(() -> asAlice.resource(sc).create()).orElseThrow();
      sc.getMetadata().setAnnotations(new LinkedHashMap<>(Map.of(Annotations.LAST_EDITED_BY, bob.user)));
      String someoneElse = refused(() -> asAlice.resource(sc).create()).orElseThrow();
      transcript.add("alice creates use-redis without " + Annotations.LAST_EDITED_BY + ": " + unnamed);
      transcript.add("alice creates use-redis naming bob its editor: " + someoneElse);
      for (String message : List.of(unnamed, someoneElse)) {
        assertThat(message).contains("ValidatingAdmissionPolicy 'flagramp-approvals-it-approvals' with binding"
            + " 'flagramp-approvals-it-approvals' denied request: a change to the spec must come with"
            + " flagramp.io/last-edited-by: \"" + alice.user + "\", the user who makes it");
      }
      sc.getMetadata().getAnnotations().put(Annotations.LAST_EDITED_BY, alice.user);
      asAlice.resource(sc).create();

      await().atMost(Duration.ofSeconds(30)).until(() -> harness.phase(ns, "use-redis") == Phase.AwaitingApproval);
      assertThat(harness.get(ns, "use-redis").getStatus().getLastDecision()).isEqualTo("step 2/3 (weight 50) awaits"
          + " approval; holding at weight 10: kubectl flagramp approve use-redis, by anyone but \"" + alice.user
          + "\", who last edited the spec");

      // bob cannot approve as alice, nor approve without a name: the API server says what it wants.
      String forged = refused(() -> asBob.resources(ScalingChange.class).inNamespace(ns).withName("use-redis")
          .edit(c -> annotated(c, Map.of(Annotations.APPROVE, "forged", Annotations.APPROVED_BY, alice.user))))
          .orElseThrow();
      KubectlResult bare = cluster.kubectl("annotate", "scalingchange", "use-redis", "-n", ns, "--overwrite",
          Annotations.APPROVE + "=bare", "--as=" + bob.user);
      String claimed = refused(() -> asBob.resources(ScalingChange.class).inNamespace(ns).withName("use-redis")
          .edit(c -> annotated(c, Map.of(Annotations.APPROVED_BY, bob.user)))).orElseThrow();
      transcript.add("bob sets " + Annotations.APPROVE + " naming alice the approver: " + forged);
      transcript.add("$ kubectl annotate scalingchange use-redis " + Annotations.APPROVE + "=bare --as=" + bob.user
          + "\n" + bare.output().strip());
      transcript.add("bob sets " + Annotations.APPROVED_BY + " alone: " + claimed);
      String wantsBob = "denied request: a new flagramp.io/approve must come with flagramp.io/approved-by: \""
          + bob.user + "\", the user who sets it (kubectl flagramp approve sets both)";
      assertThat(forged).contains(wantsBob);
      assertThat(bare.exitCode()).isNotZero();
      assertThat(bare.output()).contains("The scalingchanges \"use-redis\" is invalid: : ValidatingAdmissionPolicy"
          + " 'flagramp-approvals-it-approvals' with binding 'flagramp-approvals-it-approvals' " + wantsBob);
      assertThat(claimed).contains("denied request: flagramp.io/approved-by changes only together with"
          + " flagramp.io/approve");
      String renamed = refused(() -> asAlice.resources(ScalingChange.class).inNamespace(ns).withName("use-redis")
          .edit(c -> annotated(c, Map.of(Annotations.LAST_EDITED_BY, bob.user)))).orElseThrow();
      transcript.add("alice names bob the last editor without editing the spec: " + renamed);
      assertThat(renamed).contains("denied request: flagramp.io/last-edited-by changes only together with the spec");
      assertThat(harness.get(ns, "use-redis").getMetadata().getAnnotations()).doesNotContainKey(Annotations.APPROVE);

      // alice, the author, approves with the plugin: the API server admits it (she is who she says), and the
      // operator refuses it: she last edited the spec.
      KubectlResult selfApproval = plugin.run(cluster, "approve", "-n", ns, "use-redis",
          "--kubeconfig=" + alice.kubeconfig);
      transcript.add("$ kubectl flagramp approve use-redis (as alice)\n" + selfApproval.output().strip());
      assertThat(selfApproval.exitCode()).isZero();
      assertThat(harness.get(ns, "use-redis").getMetadata().getAnnotations())
          .containsEntry(Annotations.APPROVED_BY, alice.user);
      Event refusal = await().atMost(Duration.ofSeconds(30)).until(() -> harness.events(ns, "use-redis").stream()
          .filter(e -> "ApproveRefused".equals(e.getReason())).findFirst(), Optional::isPresent).orElseThrow();
      transcript.add("operator, Warning ApproveRefused: " + refusal.getMessage());
      assertThat(refusal.getType()).isEqualTo("Warning");
      assertThat(refusal.getMessage()).contains("(set by user \"" + alice.user + "\") refused: \"" + alice.user
          + "\" last edited the spec (flagramp.io/last-edited-by) and may not approve it: another person must");
      assertThat(harness.get(ns, "use-redis").getStatus().getCurrentWeight()).isEqualTo(10);
      assertThat(harness.phase(ns, "use-redis")).isEqualTo(Phase.AwaitingApproval);

      // bob approves with the plugin: recorded as the user the API server authenticated.
      KubectlResult whoami = cluster.kubectl("auth", "whoami", "--kubeconfig=" + bob.kubeconfig, "-o",
          "jsonpath={.status.userInfo.username}");
      assertThat(whoami.output().strip()).isEqualTo(bob.user);
      KubectlResult approval = plugin.run(cluster, "approve", "-n", ns, "use-redis", "--kubeconfig=" + bob.kubeconfig);
      transcript.add("$ kubectl flagramp approve use-redis (as bob)\n" + approval.output().strip());
      assertThat(approval.exitCode()).isZero();
      assertThat(approval.output()).contains("flagramp.io/approved-by=\"" + bob.user + "\", the user the API server"
          + " knows you as");
      await().atMost(Duration.ofSeconds(60)).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);
      HistoryEntry fifty = harness.get(ns, "use-redis").getStatus().getHistory().stream()
          .filter(h -> h.getWeight() == 50).findFirst().orElseThrow();
      ActionRecord approved = fifty.getApproval();
      transcript.add("status.history[weight 50].approval.by: " + approved.getBy());
      assertThat(approved.getBy()).as("the authenticated user, not the tool's field manager")
          .isEqualTo(whoami.output().strip());
    } finally {
      Path logs = Files.createDirectories(Path.of("target", "approval-policy"));
      Files.writeString(logs.resolve("transcript.txt"), String.join("\n\n", transcript) + "\n");
      log.info("approvals on the real API server:\n{}", String.join("\n\n", transcript));
      policy.forEach(o -> admin.resource(o).delete());
    }
  }

  /** ServiceAccounts that may read and write ScalingChanges in {@code namespace}, and nothing else. */
  private static void people(KubernetesClient admin, String namespace, String... names) {
    admin.rbac().roles().inNamespace(namespace).resource(new RoleBuilder().withNewMetadata()
        .withName("scalingchange-author").endMetadata().addNewRule().withApiGroups("flagramp.io")
        .withResources("scalingchanges").withVerbs("get", "list", "watch", "create", "update", "patch").endRule()
        .build()).create();
    RoleBindingBuilder binding = new RoleBindingBuilder().withNewMetadata().withName("scalingchange-author")
        .endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role")
        .withName("scalingchange-author").endRoleRef();
    for (String name : names) {
      admin.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder().withNewMetadata()
          .withName(name).endMetadata().build()).create();
      binding.addNewSubject().withKind("ServiceAccount").withName(name).withNamespace(namespace).endSubject();
    }
    admin.rbac().roleBindings().inNamespace(namespace).resource(binding.build()).create();
  }

  private static ScalingChange annotated(ScalingChange sc, Map<String, String> annotations) {
    Map<String, String> all = new LinkedHashMap<>(
        sc.getMetadata().getAnnotations() == null ? Map.of() : sc.getMetadata().getAnnotations());
    all.putAll(annotations);
    sc.getMetadata().setAnnotations(all);
    return sc;
  }

  /** The API server's refusal of {@code request}, empty when it was admitted. */
  private static Optional<String> refused(Runnable request) {
    try {
      request.run();
      return Optional.empty();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 422 && e.getCode() != 403) {
        throw e;
      }
      return Optional.of(e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
          : e.getMessage());
    }
  }
}
