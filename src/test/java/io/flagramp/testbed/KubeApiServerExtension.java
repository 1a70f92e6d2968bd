package io.flagramp.testbed;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one real kube-apiserver (with its etcd) per test JVM through Fabric8's kube-api-test, and
 * injects a {@link KubernetesClient} or the whole {@link KubeTestCluster} into test methods and
 * constructors. Binaries come from the cache that src/test/provision/testbed.sh fills; nothing is
 * downloaded (offline mode is set on the builder, since the environment variable for it throws in
 * kube-api-test 7.x).
 */
public final class KubeApiServerExtension implements BeforeAllCallback, ParameterResolver {

  private static final Logger log = LoggerFactory.getLogger(KubeApiServerExtension.class);
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(KubeApiServerExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    cluster(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == KubernetesClient.class || type == KubeTestCluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    KubeTestCluster cluster = cluster(context);
    return parameter.getParameter().getType() == KubeTestCluster.class ? cluster : cluster.client();
  }

  /** The per-JVM cluster, started on first use; for other extensions that work against it. */
  static KubeTestCluster cluster(ExtensionContext context) {
    for (String binary : List.of("kube-apiserver", "etcd", "kubectl")) {
      if (!Files.isExecutable(TestBed.kubernetesBinary(binary))) {
        TestBed.missing(binary + " " + TestBed.kubernetesVersion() + " (looked at "
            + TestBed.kubernetesBinary(binary) + ")");
      }
    }
    return context.getRoot().getStore(NAMESPACE)
        .getOrComputeIfAbsent(KubeTestCluster.class, key -> start(), KubeTestCluster.class);
  }

  private static KubeTestCluster start() {
    long started = System.nanoTime();
    KubeAPIServer server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
        .withTestDir(TestBed.kubeApiTestDir().toString())
        .withApiServerVersion(TestBed.kubernetesVersion())
        .withOfflineMode(true)
        .withStartupTimeout(180_000)
        .withWaitForEtcdHealthCheckOnStartup(true)
        .build());
    server.start();
    String kubeconfig = server.getKubeConfigYaml();
    Path kubeconfigFile;
    try {
      kubeconfigFile = Files.createTempFile("flagramp-kubeconfig", ".yaml");
      Files.writeString(kubeconfigFile, kubeconfig);
    } catch (IOException e) {
      server.stop();
      throw new UncheckedIOException(e);
    }
    KubernetesClient client =
        new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig)).build();
    log.info("real kube-apiserver {} ready in {} ms, version {}", TestBed.kubernetesVersion(),
        (System.nanoTime() - started) / 1_000_000, client.getKubernetesVersion().getGitVersion());
    KubeTestCluster cluster = new KubeTestCluster(server, client, kubeconfigFile,
        TestBed.kubernetesBinary("kubectl"));
    // The processes are children of this JVM: do not leave them behind if the run is killed.
    Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "kube-apiserver-stop"));
    return cluster;
  }
}
