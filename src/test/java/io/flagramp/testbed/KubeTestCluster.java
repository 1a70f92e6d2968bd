package io.flagramp.testbed;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** A running real kube-apiserver + etcd, a client for it, and the kubectl of the same version. */
public final class KubeTestCluster implements AutoCloseable {

  private static final AtomicInteger namespaces = new AtomicInteger();

  private final KubeAPIServer server;
  private final KubernetesClient client;
  private final Path kubeconfig;
  private final Path kubectl;
  private final AtomicBoolean closed = new AtomicBoolean();

  KubeTestCluster(KubeAPIServer server, KubernetesClient client, Path kubeconfig, Path kubectl) {
    this.server = server;
    this.client = client;
    this.kubeconfig = kubeconfig;
    this.kubectl = kubectl;
  }

  public KubernetesClient client() {
    return client;
  }

  /** A kubeconfig file for tools outside this JVM, such as kubectl. */
  public Path kubeconfig() {
    return kubeconfig;
  }

  /** Creates a fresh namespace, so tests sharing the server never see each other's objects. */
  public String createNamespace(String prefix) {
    String name = (prefix + "-" + namespaces.incrementAndGet()).toLowerCase(Locale.ROOT);
    Namespace ns = new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build();
    client.namespaces().resource(ns).create();
    return name;
  }

  /** Runs the real kubectl against this server and returns its exit code and combined output. */
  public KubectlResult kubectl(String... args) {
    List<String> command = new ArrayList<>();
    command.add(kubectl.toString());
    command.add("--kubeconfig=" + kubeconfig);
    command.addAll(List.of(args));
    return run(command, Map.of());
  }

  /**
   * Runs the real kubectl as a user's shell does, with the kubeconfig in KUBECONFIG (kubectl takes no
   * flag before a plugin's name) and {@code environment} added, such as a PATH that holds a plugin.
   */
  public KubectlResult kubectlWithEnvironment(Map<String, String> environment, String... args) {
    List<String> command = new ArrayList<>();
    command.add(kubectl.toString());
    command.addAll(List.of(args));
    Map<String, String> env = new HashMap<>(environment);
    env.put("KUBECONFIG", kubeconfig.toString());
    return run(command, env);
  }

  private static KubectlResult run(List<String> command, Map<String, String> environment) {
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().putAll(environment);
      Process process = builder.start();
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(2, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException("kubectl did not finish: " + command);
      }
      return new KubectlResult(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command, e);
    }
  }

  public record KubectlResult(int exitCode, String output) {}

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      client.close();
      server.stop();
      try {
        Files.deleteIfExists(kubeconfig);
      } catch (IOException ignored) {
        // a temp file; the OS cleans it up
      }
    }
  }
}
