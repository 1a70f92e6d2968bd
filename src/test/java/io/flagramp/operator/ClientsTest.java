package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientsTest {

  private static final String PEM = Base64.getEncoder().encodeToString(
      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".getBytes());

  @TempDir
  Path dir;

  /** Fabric8 read a certificate-only kubeconfig again before every request; it is now kept as read. */
  @Test
  void aClientCertificateConfigurationIsNotReadAgainBeforeEachRequest() throws IOException {
    Config read = (kubeconfig("client-certificate-data: " + PEM + "\n    client-key-data: " + PEM));
    assertThat(read.refresh()).as("Fabric8's own: parsed afresh").isNotSameAs(read);

    Config kept = Clients.withoutIdleRefresh(read);

    assertThat(kept.getOauthTokenProvider()).as("asked instead of reading the file again").isNotNull();
    assertThat(kept.getOauthTokenProvider().getToken()).isNull();
    assertThat(kept.getMasterUrl()).isEqualTo(read.getMasterUrl());
    assertThat(kept.getClientCertData()).isEqualTo(read.getClientCertData());
    assertThat(kept.getClientKeyData()).isEqualTo(read.getClientKeyData());
    assertThat(kept.getCaCertData()).isEqualTo(read.getCaCertData());
    assertThat(kept.getNamespace()).isEqualTo(read.getNamespace());
  }

  @Test
  void aConfigurationWithATokenKeepsFabric8sRefresh() throws IOException {
    Config read = (kubeconfig("token: abc"));
    assertThat(Clients.withoutIdleRefresh(read)).isSameAs(read);
    Config rotated = Config.empty();
    rotated.setAutoOAuthToken("from-the-service-account-file");
    assertThat(Clients.withoutIdleRefresh(rotated)).isSameAs(rotated);
  }

  /** Found as the operator finds it: auto-configured from the file {@code KUBECONFIG} names. */
  private Config kubeconfig(String user) throws IOException {
    Path file = Files.writeString(dir.resolve("kubeconfig"), text(user));
    String before = System.getProperty(Config.KUBERNETES_KUBECONFIG_FILE);
    System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, file.toString());
    try {
      return Config.autoConfigure(null);
    } finally {
      if (before == null) {
        System.clearProperty(Config.KUBERNETES_KUBECONFIG_FILE);
      } else {
        System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, before);
      }
    }
  }

  private static String text(String user) {
    String text = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: c
          cluster:
            server: https://127.0.0.1:6443
            certificate-authority-data: %s
        contexts:
        - name: x
          context: {cluster: c, user: u, namespace: team}
        current-context: x
        users:
        - name: u
          user:
            %s
        """.formatted(PEM, user);
    return text;
  }
}
