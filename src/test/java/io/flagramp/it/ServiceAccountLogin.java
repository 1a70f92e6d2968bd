package io.flagramp.it;

import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.flagramp.operator.Clients;
import io.flagramp.testbed.KubeTestCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A ServiceAccount's credentials as a kubeconfig, for a process or a client that must be that account to
 * the API server: authenticated with a token from the TokenRequest API (an hour long), not impersonated.
 * The file holds a credential: {@link #close} removes it.
 */
final class ServiceAccountLogin implements AutoCloseable {

  final String user;
  final Path kubeconfig;

  private ServiceAccountLogin(String user, Path kubeconfig) {
    this.user = user;
    this.kubeconfig = kubeconfig;
  }

  /** Logs in as {@code namespace/serviceAccount}, which must exist. */
  static ServiceAccountLogin as(KubeTestCluster cluster, String namespace, String serviceAccount) {
    TokenRequest token = cluster.client().serviceAccounts().inNamespace(namespace).withName(serviceAccount)
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build());
    try {
      Path file = Files.createTempFile("flagramp-" + serviceAccount, ".kubeconfig");
      write(cluster.kubeconfig(), token.getStatus().getToken(), file);
      return new ServiceAccountLogin("system:serviceaccount:" + namespace + ":" + serviceAccount, file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A client that is this account to the API server. */
  KubernetesClient client() {
    try {
      return new KubernetesClientBuilder().withKubernetesSerialization(Clients.serialization())
          .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A kubeconfig for the same server and CA as the admin's, authenticating with a bearer token. */
  private static void write(Path adminKubeconfig, String token, Path file) throws IOException {
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
  }

  @Override
  public void close() {
    try {
      Files.deleteIfExists(kubeconfig);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
