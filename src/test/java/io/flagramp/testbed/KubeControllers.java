package io.flagramp.testbed;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * kube-controller-manager, kube-scheduler and kwok running against the per-JVM kube-apiserver, and a fake
 * node that kwok keeps Ready: enough for a Deployment to get its ReplicaSet and Pods that are scheduled and
 * turn Running and Ready, with no kubelet and no image pulled from anywhere.
 *
 * <p>kwok plays the stage configs that src/test/provision/testbed.sh copies from its module (node
 * initialize and heartbeat; pod ready, complete and delete) plus this repository's
 * {@code testbed/kwok/pod-never-ready.yaml}: a pod annotated {@link #READY_ANNOTATION}{@code =never}
 * runs but never turns Ready, as if its readiness probe always failed.
 *
 * <p>Each process logs to {@code target/testbed-logs/<name>.log}.
 */
public final class KubeControllers implements AutoCloseable {

  /** The fake node every pod lands on. */
  public static final String NODE_NAME = "kwok-node-0";
  /** Set to {@code never} on a pod template to keep its pods Running but not Ready. */
  public static final String READY_ANNOTATION = "testbed.flagramp.io/ready";

  /** kwok manages exactly the nodes annotated with this, and leaves any other node alone. */
  static final String KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node";
  private static final String KWOK_NODE_VALUE = "fake";

  /**
   * Everything that is on by default, less the controllers that need what a test bed has no use for: a
   * signing key for service-account tokens and CSRs (kube-api-test's server does not admit service-account
   * tokens into pods anyway), and pod CIDRs for nodes (kwok assigns pod IPs itself).
   */
  static final String CONTROLLERS =
      "*,-serviceaccount-token-controller,-certificatesigningrequest-signing-controller,-node-ipam-controller";

  /** Pod IPs kwok hands out, apart from kube-api-test's service range (10.0.0.0/24). */
  private static final String POD_CIDR = "10.244.0.0/16";
  private static final String NEVER_READY_STAGE = "/testbed/kwok/pod-never-ready.yaml";
  private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(2);

  private final List<TestBedProcess> processes;
  private final Path workDir;
  private final AtomicBoolean closed = new AtomicBoolean();

  private KubeControllers(List<TestBedProcess> processes, Path workDir) {
    this.processes = processes;
    this.workDir = workDir;
  }

  /** A pod-template annotation that keeps pods Running but never Ready. */
  public static Map<String, String> neverReady() {
    return Map.of(READY_ANNOTATION, "never");
  }

  /** The log file of each process, by name. */
  public Map<String, Path> logs() {
    return processes.stream().collect(Collectors.toMap(TestBedProcess::name, TestBedProcess::log));
  }

  /** Every process is still running; a test that failed strangely can say which one died. */
  public boolean allAlive() {
    return processes.stream().allMatch(TestBedProcess::isAlive);
  }

  /**
   * Adds a fake node that kwok manages, with room for 110 pods, and waits until it is Ready. One node,
   * {@link #NODE_NAME}, is always there.
   */
  public Node addNode(KubernetesClient client, String name) {
    Node node = new NodeBuilder()
        .withNewMetadata()
          .withName(name)
          .addToAnnotations(KWOK_NODE_ANNOTATION, KWOK_NODE_VALUE)
          .addToLabels("kubernetes.io/hostname", name)
          .addToLabels("kubernetes.io/os", "linux")
          .addToLabels("type", "kwok")
        .endMetadata()
        .withNewStatus()
          .addToAllocatable(resources())
          .addToCapacity(resources())
        .endStatus()
        .build();
    client.nodes().resource(node).create();
    try {
      Awaitility.await("node " + name + " Ready")
          .atMost(STARTUP_TIMEOUT)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> !allAlive() || ready(client.nodes().withName(name).get()));
    } catch (ConditionTimeoutException e) {
      // reported below with the logs
    }
    Node current = client.nodes().withName(name).get();
    if (!allAlive() || !ready(current)) {
      throw new IllegalStateException("fake node " + name + " did not turn Ready: " + current + "\n" + describe());
    }
    return current;
  }

  private static Map<String, Quantity> resources() {
    return Map.of("cpu", new Quantity("32"), "memory", new Quantity("256Gi"), "pods", new Quantity("110"));
  }

  private static boolean ready(Node node) {
    return node != null && node.getStatus() != null && node.getStatus().getConditions() != null
        && node.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** Fails under CI, skips elsewhere, when a binary or kwok's stage configs are not installed. */
  static void requireInstalled() {
    for (Path binary : List.of(controllerManager(), scheduler(), kwok())) {
      if (!Files.isExecutable(binary)) {
        TestBed.missing(binary.getFileName() + " (looked at " + binary + ")");
      }
    }
    if (stages().isEmpty()) {
      TestBed.missing("kwok's stage configs (looked in " + TestBed.kwokDir().resolve("stages") + ")");
    }
  }

  private static Path controllerManager() {
    return TestBed.kubernetesBinary("kube-controller-manager");
  }

  private static Path scheduler() {
    return TestBed.kubernetesBinary("kube-scheduler");
  }

  private static Path kwok() {
    return TestBed.kwokDir().resolve("kwok");
  }

  static KubeControllers start(KubeTestCluster cluster) {
    requireInstalled();

    Path workDir;
    try {
      workDir = Files.createTempDirectory("flagramp-controllers");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // The components serve /healthz over https only; give them a certificate this JVM trusts.
    TestCertificates.Issued authority = TestCertificates.authority("flagramp test bed controllers");
    TestCertificates.Issued serving = TestCertificates.loopbackServer(authority);
    Path cert = write(workDir.resolve("serving.crt"), serving.certificatePem());
    Path key = write(workDir.resolve("serving.key"), serving.privateKeyPem());
    Path neverReady = workDir.resolve("pod-never-ready.yaml");
    copyResource(NEVER_READY_STAGE, neverReady);

    String kubeconfig = "--kubeconfig=" + cluster.kubeconfig();
    List<String> servingFlags = List.of("--bind-address=127.0.0.1", "--tls-cert-file=" + cert,
        "--tls-private-key-file=" + key);
    int controllerManagerPort = TestBed.freeLoopbackPort();
    int schedulerPort = TestBed.freeLoopbackPort();

    // Filled while the processes start; read by the shutdown hook's close() as well.
    List<TestBedProcess> processes = new CopyOnWriteArrayList<>();
    KubeControllers controllers = new KubeControllers(processes, workDir);
    try {
      processes.add(TestBedProcess.start("kube-controller-manager", concat(List.of(controllerManager().toString(),
              kubeconfig,
              "--leader-elect=false",
              "--controllers=" + CONTROLLERS,
              // The default, said aloud: with true every controller would run as its own service account
              // and need a token, which nothing here issues.
              "--use-service-account-credentials=false",
              "--secure-port=" + controllerManagerPort), servingFlags),
          TestBed.logDir().resolve("kube-controller-manager.log")));
      processes.add(TestBedProcess.start("kube-scheduler", concat(List.of(scheduler().toString(),
              kubeconfig,
              "--leader-elect=false",
              "--secure-port=" + schedulerPort), servingFlags),
          TestBed.logDir().resolve("kube-scheduler.log")));
      List<String> kwokCommand = new ArrayList<>(List.of(kwok().toString(),
          kubeconfig,
          "--manage-all-nodes=false",
          "--manage-nodes-with-annotation-selector=" + KWOK_NODE_ANNOTATION + "=" + KWOK_NODE_VALUE,
          "--cidr=" + POD_CIDR));
      Stream.concat(stages().stream(), Stream.of(neverReady)).forEach(stage -> kwokCommand.add("--config=" + stage));
      processes.add(TestBedProcess.start("kwok", kwokCommand, TestBed.logDir().resolve("kwok.log")));

      // HTTP/1.1: the JDK's HTTP/2 client gets a GOAWAY from these Go servers and gives up.
      HttpClient https = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .sslContext(TestCertificates.trusting(authority)).connectTimeout(Duration.ofSeconds(2)).build();
      try {
        Awaitility.await("kube-controller-manager and kube-scheduler healthy")
            .atMost(STARTUP_TIMEOUT)
            .pollInterval(Duration.ofMillis(200))
            .until(() -> !controllers.allAlive()
                || (healthy(https, controllerManagerPort) && healthy(https, schedulerPort)));
      } catch (ConditionTimeoutException e) {
        // reported below with the logs
      }
      if (!controllers.allAlive() || !healthy(https, controllerManagerPort) || !healthy(https, schedulerPort)) {
        throw new IllegalStateException("the controllers did not start; /healthz of kube-controller-manager: "
            + healthz(https, controllerManagerPort) + ", of kube-scheduler: " + healthz(https, schedulerPort)
            + "\n" + controllers.describe());
      }
      controllers.addNode(cluster.client(), NODE_NAME);
      return controllers;
    } catch (RuntimeException | Error e) {
      controllers.close();
      throw e;
    }
  }

  private static boolean healthy(HttpClient https, int port) {
    return healthz(https, port).equals("200");
  }

  /** The status code of {@code /healthz}, or why there is none. */
  private static String healthz(HttpClient https, int port) {
    try {
      return String.valueOf(https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/healthz"))
              .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding())
          .statusCode());
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e.toString();
    }
  }

  private static List<Path> stages() {
    Path dir = TestBed.kwokDir().resolve("stages");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path write(Path file, String content) {
    try {
      return Files.writeString(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void copyResource(String resource, Path target) {
    try (InputStream in = KubeControllers.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("no resource " + resource + " on the test class path");
      }
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return Stream.concat(a.stream(), b.stream()).toList();
  }

  private String describe() {
    return processes.stream().map(TestBedProcess::describe).collect(Collectors.joining("\n\n"));
  }

  /** Stops kwok first, so nothing fakes status for objects the controllers no longer look after. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      for (int i = processes.size() - 1; i >= 0; i--) {
        processes.get(i).close();
      }
      try (Stream<Path> files = Files.walk(workDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // a temp directory; the OS cleans it up
      }
    }
  }
}
