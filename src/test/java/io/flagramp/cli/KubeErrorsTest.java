package io.flagramp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way asking the cluster can fail, as the one line a person reads. No request is sent. */
class KubeErrorsTest {

  @TempDir
  Path dir;

  private Kube kube;

  @BeforeEach
  void connect() throws IOException {
    Path kubeconfig = Files.writeString(dir.resolve("config"), """
        apiVersion: v1
        kind: Config
        clusters: [{name: prod, cluster: {server: "https://10.0.0.1:6443"}}]
        users: [{name: alice, user: {token: t}}]
        contexts: [{name: prod, context: {cluster: prod, user: alice, namespace: social}}]
        current-context: prod
        """);
    kube = Kube.connect(kubeconfig, null, null);
  }

  @AfterEach
  void close() {
    kube.close();
  }

  private static KubernetesClientException answered(int code, String message) {
    return new KubernetesClientException(new StatusBuilder().withCode(code).withMessage(message).build());
  }

  @Test
  void theNamespaceComesFromTheContext() {
    assertThat(kube.namespace).isEqualTo("social");
    assertThat(kube.where()).isEqualTo("https://10.0.0.1:6443/ (context prod)");
  }

  @Test
  void aKubeconfigThatIsNotOneIsSaidSo() throws IOException {
    Path empty = Files.writeString(dir.resolve("empty"), "");
    assertThat(catchThrowableOfType(CliFailure.class,
        () -> Kube.connect(empty, null, null)).getMessage())
        .isEqualTo("cannot read the kubeconfig " + empty + ": it is empty or not a kubeconfig");
    Path missing = dir.resolve("missing");
    assertThat(catchThrowableOfType(CliFailure.class,
        () -> Kube.connect(missing, null, null)).getMessage()).isEqualTo("cannot read the kubeconfig " + missing);
  }

  @Test
  void forbiddenQuotesTheServer() {
    assertThat(kube.explain(answered(403, "scalingchanges.flagramp.io \"use-redis\" is forbidden: User \"alice\""
        + " cannot patch resource \"scalingchanges\" in API group \"flagramp.io\" in the namespace \"social\""),
        "scalingchange use-redis").getMessage()).isEqualTo("forbidden: scalingchanges.flagramp.io \"use-redis\" is"
        + " forbidden: User \"alice\" cannot patch resource \"scalingchanges\" in API group \"flagramp.io\" in the"
        + " namespace \"social\"");
  }

  @Test
  void unauthorizedNamesTheClusterAndTheContext() {
    assertThat(kube.explain(answered(401, "Unauthorized"), "x").getMessage())
        .isEqualTo("unauthorized: https://10.0.0.1:6443/ (context prod) refused the credentials of the kubeconfig");
  }

  @Test
  void aClusterWithoutTheCrdSaysHowToInstallIt() {
    assertThat(kube.explain(answered(404, "the server could not find the requested resource"), "x").getMessage())
        .isEqualTo("the cluster at https://10.0.0.1:6443/ (context prod) does not serve scalingchanges.flagramp.io:"
            + " install the CRD (kubectl apply -f crds/scalingchanges.flagramp.io-v1.yml)");
  }

  @Test
  void noAnswerAtAllIsUnreachable() {
    KubernetesClientException refused = new KubernetesClientException("Operation: [get] failed",
        new IOException("request failed", new ConnectException("Connection refused")));
    assertThat(kube.explain(refused, "scalingchange use-redis").getMessage())
        .isEqualTo("cannot reach the cluster at https://10.0.0.1:6443/ (context prod): connection refused");
  }

  @Test
  void anyOtherAnswerIsItsFirstLine() {
    assertThat(kube.explain(answered(500, "etcdserver: request timed out\nmore"), "scalingchange use-redis")
        .getMessage()).isEqualTo("scalingchange use-redis: etcdserver: request timed out");
  }
}
